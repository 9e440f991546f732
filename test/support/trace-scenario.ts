// A request that crosses every kind of hop, to check W3C trace context end to end: HTTP into the
// gateway of node A → `front.go` (A) → `middle.step` (A, in-process) → `back.end` (node B, over the
// transport) → event `trace.done` → `audit` (A, over the transport). Each handler records its
// `ctx.trace`; B's logger keeps its lines.
import { expect } from "vitest";
import { z } from "zod";
import type { Transport } from "../../src/core/transport.js";
import {
  createGateway,
  createLogger,
  createNode,
  entry,
  event,
  service,
  subscribe,
  type TesseraNode,
} from "../../src/index.js";
import { type TestClient, testClient } from "../../src/testing/index.js";

export interface SeenTrace {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentId: string | undefined;
  readonly sampled: boolean;
  readonly state: string | undefined;
}

export interface TraceRun {
  readonly tag: string;
  readonly client: TestClient;
  /** What each hop saw, by hop name: front, middle, back, audit. */
  readonly seen: Map<string, SeenTrace>;
  /** The log lines of node B. */
  readonly lines: Record<string, unknown>[];
  stop(): Promise<void>;
}

/**
 * Starts the two nodes on the transports given (`a` for the gateway's node, `b` for the other).
 * `tag` makes the names of services and event unique on a shared broker.
 */
export async function startTraceRun(a: Transport, b: Transport, tag = ""): Promise<TraceRun> {
  const done = event(`trace${tag}.done`, z.object({ n: z.number() }));
  const seen = new Map<string, SeenTrace>();
  const record = (hop: string, trace: SeenTrace) => {
    const { traceId, spanId, parentId, sampled, state } = trace;
    seen.set(hop, { traceId, spanId, parentId, sampled, state });
  };
  const back = service(`back${tag}`, {
    entries: {
      end: entry({ input: z.object({ n: z.number() }) }, async ({ n }, ctx) => {
        record("back", ctx.trace);
        ctx.log.info("at the back");
        await ctx.emit(done, { n });
        return { n: n + 1 };
      }),
    },
  });
  const middle = service(`middle${tag}`, {
    entries: {
      step: entry({ input: z.object({ n: z.number() }) }, (input, ctx) => {
        record("middle", ctx.trace);
        return ctx.call(back.entries.end, input);
      }),
    },
  });
  const front = service(`front${tag}`, {
    entries: {
      go: entry({ input: z.object({ n: z.number() }) }, (input, ctx) => {
        record("front", ctx.trace);
        return ctx.call(middle.entries.step, input);
      }),
    },
  });
  const audit = service(`audit${tag}`, {
    on: { done: subscribe(done, (_e, ctx) => record("audit", ctx.trace)) },
  });
  const lines: Record<string, unknown>[] = [];
  const all = [front, middle, back, audit];
  const quiet = createLogger({ level: "silent" });
  const nodeB: TesseraNode = createNode({
    services: all,
    run: [`back${tag}`],
    transport: b,
    logger: createLogger({ level: "info", write: (line) => lines.push(JSON.parse(line)) }),
  });
  const nodeA = createNode({
    services: all,
    run: [`front${tag}`, `middle${tag}`, `audit${tag}`],
    transport: a,
    logger: quiet,
  });
  await nodeB.start();
  await nodeA.start();
  return {
    tag,
    client: testClient(createGateway(nodeA)),
    seen,
    lines,
    stop: async () => {
      await nodeA.stop();
      await nodeB.stop();
    },
  };
}

const hex = (n: number) => new RegExp(`^[0-9a-f]{${n}}$`);

/**
 * Sends one request and checks the chain: one trace id everywhere, a new span per hop, each
 * hop's parent the span before it. Returns what the hops saw.
 */
export async function traceThrough(
  run: TraceRun,
  headers: Record<string, string>,
): Promise<Map<string, SeenTrace>> {
  run.seen.clear();
  const res = await run.client.post(`/front${run.tag}/go`, { n: 1 }, { headers });
  expect(res.status, res.text).toBe(200);
  expect(res.body).toEqual({ n: 2 });
  await expect.poll(() => run.seen.has("audit")).toBe(true);
  const { front, middle, back, audit } = Object.fromEntries(run.seen) as Record<string, SeenTrace>;
  for (const hop of [front, middle, back, audit]) {
    expect(hop?.traceId).toMatch(hex(32));
    expect(hop?.traceId).toBe(front?.traceId);
    expect(hop?.spanId).toMatch(hex(16));
    expect(hop?.state).toBe(front?.state);
    expect(hop?.sampled).toBe(front?.sampled);
  }
  expect(new Set([front, middle, back, audit].map((h) => h?.spanId)).size).toBe(4);
  expect(middle?.parentId).toBe(front?.spanId);
  expect(back?.parentId).toBe(middle?.spanId);
  expect(audit?.parentId).toBe(back?.spanId);
  // The request logger of the remote hop carries the trace.
  const line = run.lines.findLast((l) => l.msg === "at the back");
  expect(line).toMatchObject({
    traceId: back?.traceId,
    spanId: back?.spanId,
    target: expect.stringMatching(/^back[a-z]*\.end$/),
  });
  return new Map(run.seen);
}

/** The checks of the headers a caller may send, on a run of either transport. */
export async function checkTraceHeaders(run: TraceRun): Promise<void> {
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const given = await traceThrough(run, {
    traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    tracestate: "congo=t61rcWkgMzE, rojo=00f067aa0ba902b7",
  });
  expect(given.get("front")).toMatchObject({
    traceId,
    parentId: "00f067aa0ba902b7",
    sampled: true,
    state: "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
  });

  // Not sampled upstream: the flag travels as it came.
  const unsampled = await traceThrough(run, { traceparent: `00-${traceId}-00f067aa0ba902b7-00` });
  expect(unsampled.get("back")).toMatchObject({ traceId, sampled: false, state: undefined });

  // No header: a new trace, the first handler's span is its root.
  const fresh = await traceThrough(run, {});
  expect(fresh.get("front")?.parentId).toBeUndefined();
  const other = (await traceThrough(run, {})).get("front")?.traceId;
  expect(other).not.toBe(fresh.get("front")?.traceId);

  // Malformed: a new trace, and its tracestate is dropped with it.
  for (const bad of [
    `00-${traceId.toUpperCase()}-00f067aa0ba902b7-01`,
    `00-${"0".repeat(32)}-00f067aa0ba902b7-01`,
    `00-${traceId}-${"0".repeat(16)}-01`,
    `ff-${traceId}-00f067aa0ba902b7-01`,
    `00-${traceId}-00f067aa0ba902b7-01-extra`,
    "nonsense",
  ]) {
    const seen = await traceThrough(run, { traceparent: bad, tracestate: "congo=t61rcWkgMzE" });
    expect(seen.get("front")?.traceId, bad).not.toBe(traceId);
    expect(seen.get("front")).toMatchObject({ parentId: undefined, state: undefined, sampled: true });
  }
  // A later version is read for the fields it shares with 00.
  const future = await traceThrough(run, { traceparent: `cc-${traceId}-00f067aa0ba902b7-01-what-comes` });
  expect(future.get("front")).toMatchObject({ traceId, parentId: "00f067aa0ba902b7" });
}
