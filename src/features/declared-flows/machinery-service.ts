import { z } from "zod";
import { entry } from "../../core/entry.js";
import { TesseraError } from "../../core/errors.js";
import { type ServiceDef, service } from "../../core/service.js";
import { terminalStatuses } from "../../ports/flow-store.js";
import { waitWithin } from "../flows/run-waiters.js";
import { isJsonContentType, refuseUnsafeJson } from "../gateway/json-body.js";
import { type Reply, reply } from "../gateway/reply.js";
import type { DeclaredFlows } from "./declared-flows.js";
import type { FlowDefinition } from "./definition.js";
import { machineryEventData } from "./machinery-event.js";
import { readMachineryWorkflow } from "./machinery-workflow.js";

const Raw = z.object({ body: z.string().optional(), contentType: z.string().optional() });
type Raw = z.infer<typeof Raw>;

const message = (status: number, text: string) => reply({ message: text }, { status });

/**
 * machinery's reading of a body: JSON or 415, then not empty or 400. It is parsed as the gateway
 * parses bodies: a `__proto__` or `constructor.prototype` key is refused (400, with the gateway's
 * message in machinery's `{message}`).
 */
function payloadOf(raw: Raw): { ok: true; value: unknown } | { ok: false; reply: Reply } {
  if (!isJsonContentType(raw.contentType)) return { ok: false, reply: message(415, "json is expected") };
  if (raw.body === undefined || raw.body.trim() === "")
    return { ok: false, reply: message(400, "payload can not be empty") };
  let value: unknown;
  try {
    value = JSON.parse(raw.body);
  } catch {
    return { ok: false, reply: message(415, "json is expected") };
  }
  try {
    refuseUnsafeJson(raw.body, value);
  } catch (err) {
    return { ok: false, reply: message(400, (err as Error).message) };
  }
  if (value === null) return { ok: false, reply: message(400, "payload can not be empty") };
  return { ok: true, value };
}

/**
 * machinery's REST contract, served exactly for its clients: `GET /healthcheck`, `POST /s`
 * (register a service), `POST /w` (define a workflow), `POST /e/<workflow_id>` (send an event and
 * get the merged outputs). Its answers keep machinery's bodies (`{"message": …}`, per-field error
 * maps) rather than Tesserae's error shape; the flows run on the durable engine all the same.
 */
export function machineryService(declared: DeclaredFlows): ServiceDef {
  return service("machinery", {
    description: "machinery-compatible REST API of declared flows",
    basePath: "/",
    // The management API: the token, authorizer and role of `management` (see management-auth.ts).
    ...(declared.managementAuthorizer === undefined ? {} : { authorize: declared.managementAuthorizer }),
    entries: {
      healthcheck: entry(
        { route: "GET /healthcheck", noAuth: true, summary: "machinery: health (204)" },
        () => undefined,
      ),
      registerService: entry(
        { route: "POST /s", rawBody: true, input: Raw, summary: "machinery: register a service" },
        async (raw) => {
          const p = payloadOf(raw);
          if (!p.ok) return p.reply;
          const r = await declared.registerService(p.value);
          if (!r.ok) return reply(r.errors, { status: 409 });
          return reply({ service_id: r.service.id }, { status: 201 });
        },
      ),
      defineWorkflow: entry(
        { route: "POST /w", rawBody: true, input: Raw, summary: "machinery: define a workflow" },
        async (raw) => {
          const p = payloadOf(raw);
          if (!p.ok) return p.reply;
          // machinery accepts what its schema reads: unknown top-level fields and what the checks
          // find about the data between services are warnings, named in the answer.
          const read = readMachineryWorkflow(p.value);
          const r = await declared.submit(read.doc, { lenient: true });
          if (r.ok) {
            const warnings = [...read.warnings, ...r.warnings];
            return reply(
              { workflow_id: r.record.id, ...(warnings.length === 0 ? {} : { warnings }) },
              { status: 201 },
            );
          }
          if (r.kind === "unknown-services")
            return message(
              409,
              r.services.length === 1
                ? `service ${r.services[0]} does not exist`
                : `services ${r.services.join(", ")} do not exist`,
            );
          return reply(r.errors, { status: 409 });
        },
      ),
      sendEvent: entry(
        {
          route: "POST /e/:workflowId",
          rawBody: true,
          input: Raw.extend({ workflowId: z.string().min(1).max(200) }),
          summary: "machinery: send an event to a workflow, get its merged outputs",
        },
        async ({ workflowId, ...raw }, ctx) => {
          const p = payloadOf(raw);
          if (!p.ok) return p.reply;
          let started: Awaited<ReturnType<DeclaredFlows["run"]>>;
          try {
            const { definition } = await declared.definition(workflowId);
            const data = machineryEventData(p.value, (definition as Partial<FlowDefinition>).inputs);
            started = await declared.run(workflowId, data);
          } catch (err) {
            const e = TesseraError.from(err);
            if (e.code === "TESSERA_NOT_FOUND") return message(404, `workflow ${workflowId} does not exist`);
            if (e.code === "TESSERA_VALIDATION") {
              const fields = (e.details as { fields?: unknown } | undefined)?.fields;
              return reply({ message: e.message, errors: fields }, { status: 400 });
            }
            throw err;
          }
          const end = await declared.engine.settled(
            started.run.id,
            waitWithin(declared.engine.syncWaitMs, ctx.deadline),
          );
          if (!terminalStatuses.has(end.status))
            return reply({ event_id: started.run.id, status: end.status }, { status: 202 });
          if (end.status === "completed") return reply(end.output, { status: 201 });
          return reply(
            {
              message: end.error?.message ?? `the workflow ended ${end.status}`,
              event_id: started.run.id,
              status: end.status,
            },
            { status: 502 },
          );
        },
      ),
    },
  });
}
