import { z } from "zod";
import { entry } from "../../core/entry.js";
import { TesseraError } from "../../core/errors.js";
import { maskUrl } from "../../core/mask-url.js";
import { type ServiceDef, service } from "../../core/service.js";
import type { DefinitionRecord, ServiceRecord } from "../../ports/declared-flow-store.js";
import { terminalStatuses } from "../../ports/flow-store.js";
import { waitWithin } from "../flows/run-waiters.js";
import { reply } from "../gateway/reply.js";
import type { DeclaredFlows } from "./declared-flows.js";
import { eventView } from "./event-view.js";
import type { RegistryItem } from "./service-registry.js";

const Name = z.object({ name: z.string().min(1).max(200) });

// Versions are strings in every answer (`"1"`), as the runs of every flow show theirs.
const summaryOf = (r: DefinitionRecord) => ({
  id: r.id,
  name: r.name,
  version: String(r.version),
  createdAt: new Date(r.createdAt).toISOString(),
  ...((r.definition as { description?: string }).description === undefined
    ? {}
    : { description: (r.definition as { description?: string }).description }),
});

// Times are ISO text in every answer: a registered service's used to be epoch ms. Credentials in
// an address are masked wherever it is shown (`https://user:***@host`).
const serviceOf = (s: ServiceRecord) => ({
  ...s,
  address: maskUrl(s.address),
  createdAt: new Date(s.createdAt).toISOString(),
  updatedAt: new Date(s.updatedAt).toISOString(),
});

const itemOf = (i: RegistryItem): RegistryItem =>
  i.address === undefined ? i : { ...i, address: maskUrl(i.address) };

const recordOf = (r: DefinitionRecord) => ({
  ...summaryOf(r),
  ...(r.deleted ? { deleted: true } : {}),
  definition: r.definition,
});

/**
 * The HTTP API of declared flows under `/declared`: the service registry, versioned definitions
 * (submit, list, read, delete) and events (run sync or async, then status and result by id).
 * Errors have Tesserae's shape; a refused definition lists its problems per field in
 * `details.fields`.
 */
export function declaredFlowsService(declared: DeclaredFlows): ServiceDef {
  return service("declared-flows", {
    description: "Declared flows: the service registry, versioned definitions and their runs",
    basePath: "/declared",
    // The management API: the token, authorizer and role of `management` (see management-auth.ts).
    ...(declared.managementAuthorizer === undefined ? {} : { authorize: declared.managementAuthorizer }),
    entries: {
      listServices: entry({ route: "GET /declared/services", summary: "The service registry" }, async () =>
        (await declared.listServices()).map(itemOf),
      ),
      registerService: entry(
        {
          route: "POST /declared/services",
          input: z.unknown(),
          status: 201,
          summary: "Registers an HTTP service",
        },
        async (doc) => {
          const r = await declared.registerService(doc);
          if (!r.ok)
            throw new TesseraError("TESSERA_VALIDATION", "invalid service", {
              details: { fields: r.errors },
            });
          return serviceOf(r.service);
        },
      ),
      getService: entry(
        { route: "GET /declared/services/:name", input: Name, summary: "One service" },
        async ({ name }) => {
          const s = await declared.registry.get(name);
          if (s === undefined) throw TesseraError.notFound(`no service ${name}`);
          return itemOf(s);
        },
      ),
      deleteService: entry(
        {
          route: "DELETE /declared/services/:name",
          input: Name,
          summary: "Unregisters a service (409 while a flow uses it)",
        },
        ({ name }) => declared.removeService(name),
      ),
      listFlows: entry(
        { route: "GET /declared/flows", summary: "The declared flows (latest versions)" },
        async () => (await declared.list()).map(summaryOf),
      ),
      submitFlow: entry(
        {
          route: "POST /declared/flows",
          input: z.unknown(),
          status: 201,
          summary:
            "Submits a definition: checked, then stored as the next version (the latest again: 200, no new version)",
        },
        async (doc) => {
          const r = await declared.submit(doc);
          // The latest version again: 200 with it, no new version.
          if (r.ok) return r.created ? summaryOf(r.record) : reply(summaryOf(r.record), { status: 200 });
          if (r.kind === "unknown-services")
            throw TesseraError.conflict(`unknown services: ${r.services.join(", ")}`, {
              services: r.services,
              fields: r.errors,
            });
          throw new TesseraError("TESSERA_VALIDATION", "invalid definition", {
            details: { fields: r.errors },
          });
        },
      ),
      getFlow: entry(
        {
          route: "GET /declared/flows/:name",
          input: Name,
          summary: "A flow's latest version and its versions",
        },
        async ({ name }) => {
          const rec = await declared.definition(name);
          const versions = (await declared.versions(name)).map((v) => String(v.version));
          return { ...recordOf(rec), versions };
        },
      ),
      getVersion: entry(
        {
          route: "GET /declared/flows/:name/versions/:version",
          input: Name.extend({ version: z.coerce.number().int().min(1) }),
          summary: "One version of a flow (of a deleted flow too: `deleted: true`)",
        },
        async ({ name, version }) => recordOf(await declared.definition(name, version)),
      ),
      deleteFlow: entry(
        {
          route: "DELETE /declared/flows/:name",
          input: Name,
          summary: "Deletes a flow (runs keep their version)",
        },
        async ({ name }) => {
          await declared.remove(name);
        },
      ),
      sendEvent: entry(
        {
          route: "POST /declared/flows/:name/events",
          input: Name.extend({
            data: z.unknown(),
            mode: z.enum(["sync", "async"]).default("sync"),
            callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
            idempotencyKey: z.string().min(1).max(200).optional(),
            waitMs: z.number().int().min(0).max(120_000).optional(),
          }),
          summary: "Runs the flow on an event: sync (the output) or async (the event id)",
        },
        async ({ name, data, mode, callbackUrl, idempotencyKey, waitMs }, ctx) => {
          const { run } = await declared.run(name, data, {
            ...(callbackUrl === undefined ? {} : { callbackUrl }),
            ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
          });
          const headers = { location: `/declared/events/${run.id}` };
          const accepted = (status: string) => ({
            eventId: run.id,
            acceptedAt: new Date(run.createdAt).toISOString(),
            status,
          });
          if (mode === "async") return reply(accepted(run.status), { status: 202, headers });
          const end = await declared.engine.awaitRun(
            run.id,
            waitWithin(waitMs ?? declared.engine.syncWaitMs, ctx.deadline),
          );
          if (!terminalStatuses.has(end.status)) return reply(accepted(end.status), { status: 202, headers });
          return reply(eventView(end), { headers });
        },
      ),
      getEvent: entry(
        {
          route: "GET /declared/events/:eventId",
          input: z.object({ eventId: z.string().min(1).max(128) }),
          summary: "An event's run: status, output or error",
        },
        async ({ eventId }) => eventView(await declared.event(eventId)),
      ),
    },
  });
}
