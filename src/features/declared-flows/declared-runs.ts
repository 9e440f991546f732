import type { CallMeta } from "../../core/call-meta.js";
import { TesseraError } from "../../core/errors.js";
import { silentLogger } from "../../core/logger.js";
import type { TesseraNode } from "../../core/node.js";
import { parseTraceparent } from "../../core/traceparent.js";
import type { DeclaredFlowStore } from "../../ports/declared-flow-store.js";
import type { RunRecord } from "../../ports/flow-store.js";
import type { FlowEngine, StartOptions } from "../flows/engine.js";
import type { FlowDef } from "../flows/flow.js";
import { isAsl } from "./asl/asl-definition.js";
import { runAslFlow } from "./asl/run-asl-flow.js";
import type { Data } from "./data-paths.js";
import type { DeclaredDefinitions } from "./declared-definitions.js";
import type { FlowDefinition } from "./definition.js";
import { servicesOf } from "./definition-services.js";
import { isRecord } from "./field-errors.js";
import { checkFields } from "./field-values.js";
import { callHttpService } from "./http-call.js";
import { Interpreter, type ServiceCaller } from "./interpreter.js";
import { type RunSnapshot, type ServiceTarget, SNAPSHOT_STEP } from "./run-snapshot.js";
import { type ServiceRegistry, targetOf } from "./service-registry.js";

export interface DeclaredRunsOptions {
  readonly engine: FlowEngine;
  readonly store: DeclaredFlowStore;
  readonly registry: ServiceRegistry;
  readonly definitions: DeclaredDefinitions;
  /** Deadline of one call to a service (a step's `timeout` overrides it). */
  readonly callTimeoutMs: number;
  /** The node the runs call entries on (undefined until it starts). */
  readonly node: () => TesseraNode | undefined;
}

/**
 * The runs of declared flows: started by events whose data fits the flow's inputs, each working
 * from a snapshot of its version's definition and services (journaled as its first effect), its
 * steps run by the interpreter.
 *
 * @example
 * const { run } = await runs.run("shout", { message: "hi" });
 * const end = await engine.awaitRun(run.id, 5000);
 */
export class DeclaredRuns {
  constructor(private readonly options: DeclaredRunsOptions) {}

  /**
   * Starts a run of the latest version with the event's data, once the data fits the flow's inputs
   * (else `TESSERA_VALIDATION` with the problems per field in `details.fields`).
   */
  async run(
    idOrName: string,
    data: unknown,
    options: StartOptions = {},
  ): Promise<{ run: RunRecord; created: boolean }> {
    const rec = await this.options.definitions.get(idOrName);
    const def = rec.definition as FlowDefinition;
    if (!isRecord(data))
      throw new TesseraError("TESSERA_VALIDATION", "the event data must be a JSON object", {
        details: { fields: { _schema: ["Invalid input type."] } },
      });
    const fields = checkFields(def.inputs, data);
    if (Object.keys(fields).length > 0) {
      const summary = Object.entries(fields)
        .map(([k, m]) => `${k}: ${m.join(" ")}`)
        .join("; ");
      throw new TesseraError("TESSERA_VALIDATION", `invalid event data: ${summary}`, {
        details: {
          fields,
          issues: Object.entries(fields).map(([path, m]) => ({ path, message: m.join(" ") })),
        },
      });
    }
    this.options.definitions.ensureDefined(rec); // submitted through another node since the last refresh
    const engine = this.options.engine;
    return engine.startRun(engine.flow(rec.name), data as never, options);
  }

  /** A run of a declared flow by its event id. */
  async event(eventId: string): Promise<RunRecord> {
    const run = await this.options.engine.store.getRun(eventId);
    if (run === undefined || !this.options.definitions.isDeclared(run.flow))
      throw TesseraError.notFound(`no event ${eventId}`);
    return run;
  }

  /** The snapshot a run works from: read from its journal (what the first effect recorded), if it started. */
  async snapshotOf(runId: string): Promise<RunSnapshot | undefined> {
    const first = (await this.options.engine.store.journal(runId)).find(
      (e) => e.seq === 1 && e.name === SNAPSHOT_STEP,
    );
    return first?.state === "ok" ? (first.value as RunSnapshot) : undefined;
  }

  /** The body of every declared flow: the snapshot first, then the steps. */
  async body(ctx: Parameters<FlowDef["body"]>[0], input: Data): Promise<Data> {
    const snapshot = await ctx.step(SNAPSHOT_STEP, () => this.snapshot(ctx.runId));
    if (isAsl(snapshot.definition))
      return runAslFlow(ctx, snapshot, this.caller, this.options.callTimeoutMs, input);
    return new Interpreter(ctx, snapshot, this.caller, this.options.callTimeoutMs).execute(input);
  }

  /** The definition of the run's version and the services it calls, as they are now (journaled by the caller). */
  private async snapshot(runId: string): Promise<RunSnapshot> {
    const run = await this.options.engine.store.getRun(runId);
    if (run === undefined) throw TesseraError.notFound(`no run ${runId}`);
    const rec = await this.options.store.getDefinition(run.flow, Number(run.version));
    if (rec === undefined)
      throw TesseraError.notFound(`no version ${run.version} of declared flow ${run.flow}`);
    const definition = rec.definition as FlowDefinition;
    const services: Record<string, ServiceTarget> = {};
    for (const [name, item] of await this.options.registry.resolve(servicesOf(definition)))
      services[name] = targetOf(item);
    return { version: rec.version, definition, services, startedAt: run.createdAt };
  }

  private readonly caller: ServiceCaller = {
    call: (name, target, input, info, timeoutMs) => {
      if (target.kind === "http")
        return callHttpService({
          service: name,
          address: target.address,
          input,
          idempotencyKey: info.idempotencyKey,
          fencingToken: info.fencingToken,
          timeoutMs,
          egress: this.options.engine.egress,
          logger: this.options.node()?.logger ?? silentLogger,
        });
      const ref = this.options.registry.entry(target.entry);
      const node = this.options.node();
      if (ref === undefined || node === undefined) throw TesseraError.notFound(`no entry ${target.entry}`);
      const meta: CallMeta = {
        requestId: info.idempotencyKey,
        idempotencyKey: info.idempotencyKey,
        fencingToken: info.fencingToken,
        // The run's starter (stored with the run): the callee sees who asked, in the same trace.
        identity: info.origin?.identity,
        trace: parseTraceparent(info.origin?.traceparent),
        deadline: undefined,
        // Aborted when the worker loses the run's lease, or in a branch when a sibling failed.
        signal: () => info.signal,
      };
      return node.invoke(ref, input, meta, { timeout: timeoutMs });
    },
  };
}
