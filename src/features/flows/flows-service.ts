import { z } from "zod";
import { entry } from "../../core/entry.js";
import { TesseraError } from "../../core/errors.js";
import type { EventDef } from "../../core/event.js";
import { type ServiceDef, service } from "../../core/service.js";
import type { Subscription } from "../../core/subscription.js";
import { subscribe } from "../../core/subscription.js";
import type { RunStatus } from "../../ports/flow-store.js";
import { activeStatuses, terminalStatuses } from "../../ports/flow-store.js";
import { reply } from "../gateway/reply.js";
import { msOf } from "./duration.js";
import type { FlowEngine } from "./engine.js";
import { runView } from "./run-view.js";
import { waitWithin } from "./run-waiters.js";
import { originOf } from "./start-options.js";

const RunId = z.object({ runId: z.string().min(1).max(128) });
const statuses = [...activeStatuses, ...terminalStatuses, "blocked"] as unknown as [
  RunStatus,
  ...RunStatus[],
];

const StartBody = z.object({
  name: z.string(),
  /** The flow's input, validated by the flow's schema (issues are reported under `input.`). */
  input: z.unknown().optional(),
  /** `sync` (default): wait for the end of the run (up to `waitMs`); `async`: answer 202 at once. */
  mode: z.enum(["sync", "async"]).default("sync"),
  idempotencyKey: z.string().min(1).max(200).optional(),
  callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
  waitMs: z.number().int().min(0).max(120_000).optional(),
});

// A prune by hand (issue 19): explicit bounds, else each flow's retention.
const PruneBody = z.object({
  flow: z.string().min(1).max(200).optional(),
  olderThan: z
    .union([z.number(), z.string()])
    .refine((v) => msOf(v) !== undefined, {
      error: 'must be a duration such as "30d", "12h", "90m", or milliseconds',
    })
    .optional(),
  keep: z.number().int().min(0).optional(),
  dryRun: z.boolean().optional(),
  limit: z.number().int().min(1).max(100_000).optional(),
});

/** Re-reports a flow input's validation issues under `input.` (the field of the request body). */
function underInput(err: unknown): unknown {
  if (!(err instanceof TesseraError) || err.code !== "TESSERA_VALIDATION") return err;
  const issues = ((err.details as { issues?: { path: string; message: string }[] })?.issues ?? []).map(
    (i) => ({
      path: i.path === "" ? "input" : `input.${i.path}`,
      message: i.message,
    }),
  );
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  return new TesseraError("TESSERA_VALIDATION", `invalid input: ${summary}`, { details: { issues } });
}

/** The bus subscriptions of the engine: event triggers and the events that runs wait for. */
function subscriptions(engine: FlowEngine): Record<string, Subscription> {
  const on: Record<string, Subscription> = {};
  const waited = new Map<string, EventDef>();
  for (const f of engine.definitions) {
    (f.options.triggers ?? []).forEach((t, i) => {
      if (t.kind !== "event") return;
      on[`start-${f.name}-${i}`] = subscribe(t.event, async (payload, ctx) => {
        await engine.startRun(f, t.input(payload as never) as never, {
          idempotencyKey: `event:${ctx.requestId}`,
          origin: originOf(ctx),
        });
      });
    });
    for (const e of f.options.events ?? []) waited.set(e.name, e);
  }
  for (const [name, e] of waited) {
    on[`wake-${name}`] = subscribe(e, async (payload) => {
      await engine.deliverEvent(name, payload);
    });
  }
  return on;
}

/**
 * The `flows` service of an engine: the HTTP API of runs (start, status, cancel, retry, signal,
 * prune),
 * served by the gateway like any service (validation, auth, OpenAPI, error mapping), and its bus
 * subscriptions (event triggers, events that runs wait for). Build it once per engine, after the
 * flows given in code: it subscribes to what they declare.
 *
 * @example
 * const engine = createFlowEngine({ store: memoryFlowStore(), flows: [processText] });
 * const node = createNode({ services: [text, flowsService(engine)], plugins: [engine], transport: memoryTransport() });
 */
export function flowsService(engine: FlowEngine): ServiceDef {
  return service("flows", {
    description: "Durable flows: start runs, follow them, signal, cancel and retry them",
    on: subscriptions(engine),
    entries: {
      list: entry({ route: "GET /flows", summary: "Lists the flows" }, () =>
        engine.definitions.map((f) => ({
          name: f.name,
          version: f.version,
          ...(f.options.description === undefined ? {} : { description: f.options.description }),
          signals: (f.options.signals ?? []).map((s) => s.name),
          triggers: (f.options.triggers ?? []).map((t) =>
            t.kind === "cron" ? `cron ${t.pattern}` : `event ${t.event.name}`,
          ),
        })),
      ),
      start: entry(
        { route: "POST /flows/:name/runs", input: StartBody, summary: "Starts a run (sync or async)" },
        async (body, ctx) => {
          const def = engine.flow(body.name);
          // Before the start, whose validation errors are the input's (`input.…`).
          if (body.callbackUrl !== undefined) engine.checkCallbackUrl(body.callbackUrl);
          const { run, created } = await engine
            .startRun(def, body.input as never, {
              ...(body.idempotencyKey === undefined ? {} : { idempotencyKey: body.idempotencyKey }),
              ...(body.callbackUrl === undefined ? {} : { callbackUrl: body.callbackUrl }),
              origin: originOf(ctx),
            })
            .catch((err: unknown) => {
              throw underInput(err);
            });
          const location = { location: `/flows/runs/${run.id}` };
          const accepted = (status: RunStatus) => ({
            runId: run.id,
            acceptedAt: new Date(run.createdAt).toISOString(),
            status,
            ...(created ? {} : { existing: true }),
          });
          if (body.mode === "async") return reply(accepted(run.status), { status: 202, headers: location });
          const end = await engine.awaitRun(
            run.id,
            waitWithin(body.waitMs ?? engine.syncWaitMs, ctx.deadline),
          );
          if (terminalStatuses.has(end.status)) return reply(runView(end), { headers: location });
          return reply(accepted(end.status), { status: 202, headers: location });
        },
      ),
      listRuns: entry(
        {
          route: "GET /flows/runs",
          input: z.object({
            flow: z.string().optional(),
            status: z.enum(statuses).optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
          }),
          summary: "Lists runs, newest first",
        },
        async ({ flow, status, limit }) =>
          (
            await engine.store.listRuns({
              limit,
              ...(flow === undefined ? {} : { flow }),
              ...(status === undefined ? {} : { status }),
            })
          ).map((r) => runView(r)),
      ),
      getRun: entry(
        { route: "GET /flows/runs/:runId", input: RunId, summary: "A run: status, output or error, history" },
        async ({ runId }) => {
          const run = await engine.store.getRun(runId);
          if (run === undefined) throw TesseraError.notFound(`no run ${runId}`);
          return runView(run, await engine.store.journal(runId));
        },
      ),
      cancel: entry(
        { route: "POST /flows/runs/:runId/cancel", input: RunId, summary: "Cancels a run (it compensates)" },
        async ({ runId }) => runView(await engine.cancel(runId)),
      ),
      retry: entry(
        {
          route: "POST /flows/runs/:runId/retry",
          input: RunId,
          summary: "Runs a failed or blocked run again",
        },
        async ({ runId }) => runView(await engine.retry(runId)),
      ),
      prune: entry(
        {
          route: "POST /flows/prune",
          input: PruneBody,
          summary:
            "Deletes finished runs: past each flow's retention, or older than / beyond the given bounds",
        },
        async ({ flow, olderThan, keep, dryRun, limit }) => {
          const report = await engine.pruner.byHand({
            flow,
            olderThanMs: olderThan === undefined ? undefined : msOf(olderThan),
            keep,
            dryRun,
            limit,
          });
          return { dryRun: dryRun === true, runs: report.deleted, flows: report.flows, more: report.more };
        },
      ),
      signal: entry(
        {
          route: "POST /flows/runs/:runId/signals/:signal",
          input: RunId.extend({ signal: z.string().min(1), payload: z.unknown().optional() }),
          status: 202,
          summary: "Delivers a signal to a run",
        },
        async ({ runId, signal, payload }) => {
          const run = await engine.signal(runId, signal, payload);
          return { runId: run.id, signal, accepted: true };
        },
      ),
    },
  });
}
