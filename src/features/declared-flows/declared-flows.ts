import { randomUUID } from "node:crypto";
import type { CallMeta } from "../../core/call-meta.js";
import { TesseraError } from "../../core/errors.js";
import type { NodePlugin, TesseraNode } from "../../core/node.js";
import type { DeclaredFlowStore, DefinitionRecord, ServiceRecord } from "../../ports/declared-flow-store.js";
import type { RunRecord } from "../../ports/flow-store.js";
import type { FlowEngine, StartOptions } from "../flows/engine.js";
import type { FlowDef } from "../flows/flow.js";
import { signal } from "../flows/signal.js";
import { checkDefinition } from "./check-definition.js";
import type { Data } from "./data-paths.js";
import type { FlowDefinition } from "./definition.js";
import { servicesOf, signalsOf } from "./definition-services.js";
import type { FieldErrors } from "./field-errors.js";
import { ErrorSink, isRecord, messages } from "./field-errors.js";
import { checkFields } from "./field-values.js";
import { deletedSchema, fieldsSchema } from "./fields-schema.js";
import { callHttpService } from "./http-call.js";
import { Interpreter, type ServiceCaller } from "./interpreter.js";
import { parseDefinition } from "./parse-definition.js";
import { parseFields } from "./parse-fields.js";
import { type RegistryItem, ServiceRegistry, shapeOf, targetOf } from "./service-registry.js";
import { type RunSnapshot, type ServiceTarget, SNAPSHOT_STEP } from "./run-snapshot.js";

export interface DeclaredFlowsOptions {
  readonly engine: FlowEngine;
  readonly store: DeclaredFlowStore;
  /** Names under which entries of the node are listed too: `{ upper: "text.upper" }`. */
  readonly aliases?: Readonly<Record<string, string>>;
  /** Deadline of one call to a service (default 30 000 ms; a step's `timeout` overrides it). */
  readonly callTimeoutMs?: number;
  readonly now?: () => number;
  /**
   * How often the store is read for definitions submitted through other nodes (default 5000 ms),
   * so that every worker runs every declared flow; 0: never.
   */
  readonly refreshMs?: number;
  /** Close the store when the node stops (default false: whoever made the store closes it). */
  readonly closeStore?: boolean;
}

/** Why a submission was refused. */
export type Refusal =
  | { readonly kind: "invalid"; readonly errors: FieldErrors }
  | { readonly kind: "unknown-services"; readonly services: readonly string[]; readonly errors: FieldErrors };

export type Submission =
  | { readonly ok: true; readonly record: DefinitionRecord }
  | ({ readonly ok: false } & Refusal);

/** A run of a declared flow, as its callers see it. */
export interface EventView {
  readonly eventId: string;
  readonly flow: string;
  readonly version: number;
  readonly status: RunRecord["status"];
  readonly acceptedAt: string;
  readonly updatedAt: string;
  readonly output?: unknown;
  readonly error?: RunRecord["error"];
}

export function eventView(run: RunRecord): EventView {
  return {
    eventId: run.id,
    flow: run.flow,
    version: Number(run.version),
    status: run.status,
    acceptedAt: new Date(run.createdAt).toISOString(),
    updatedAt: new Date(run.updatedAt).toISOString(),
    ...(run.output === undefined ? {} : { output: run.output }),
    ...(run.error === undefined ? {} : { error: run.error }),
  };
}

const hiddenServices = new Set(["flows", "declared-flows", "machinery", "diagrams"]);

/**
 * Flows declared as JSON by people who do not program, run on the durable engine: the service
 * registry, versioned definitions checked on submission, and runs started by events. It joins the
 * node as a plugin (after the engine), which gives it the node's entries for the registry.
 *
 * @example
 * const engine = createFlowEngine({ store: sqliteFlowStore({ database }), flows: [] });
 * const declared = createDeclaredFlows({ engine, store: sqliteDeclaredFlowStore({ database }), aliases: { upper: "text.upper" } });
 * const node = createNode({ services: [text, engine.service, declaredFlowsService(declared)], plugins: [engine, declared], transport });
 */
export class DeclaredFlows implements NodePlugin {
  readonly name = "declared-flows";
  readonly engine: FlowEngine;
  readonly store: DeclaredFlowStore;
  readonly registry: ServiceRegistry;
  private node: TesseraNode | undefined;
  private readonly now: () => number;
  private readonly callTimeoutMs: number;
  private migrated: Promise<void> | undefined;
  private readonly closeStore: boolean;
  private refresher: NodeJS.Timeout | undefined;

  constructor(private readonly options: DeclaredFlowsOptions) {
    this.engine = options.engine;
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.closeStore = options.closeStore ?? false;
    this.registry = new ServiceRegistry(options.store, options.aliases, hiddenServices);
  }

  async start(node: TesseraNode): Promise<void> {
    this.node = node;
    this.registry.useServices(node.known);
    await this.refresh();
    const every = this.options.refreshMs ?? 5000;
    if (every > 0) {
      this.refresher = setInterval(() => {
        this.refresh().catch((err: unknown) => node.logger.error("reading declared flows failed", { err }));
      }, every);
      this.refresher.unref();
    }
  }

  /** Gives the engine every stored definition it does not have at its latest version. */
  async refresh(): Promise<void> {
    await this.ready();
    // Deleted flows too: their runs in flight go on (new ones are refused).
    for (const rec of await this.store.listDefinitions({ deleted: true })) this.ensureDefined(rec);
  }

  private ensureDefined(rec: DefinitionRecord): void {
    const current = this.engine.definitions.find((f) => f.name === rec.name);
    const deleted = (current?.options.input as { deleted?: boolean } | undefined)?.deleted === true;
    if (current === undefined || Number(current.version) < rec.version || deleted !== rec.deleted)
      this.define(rec);
  }

  async stop(): Promise<void> {
    clearInterval(this.refresher);
    if (this.closeStore) await this.store.close();
  }

  /** The store's migrations, once. */
  ready(): Promise<void> {
    this.migrated ??= this.store.migrate();
    return this.migrated;
  }

  // --- the registry ---------------------------------------------------------------------------------

  /** Registers an external service (an existing name is updated and keeps its id). */
  async registerService(
    doc: unknown,
  ): Promise<{ ok: true; service: ServiceRecord } | { ok: false; errors: FieldErrors }> {
    const sink = new ErrorSink();
    if (!isRecord(doc)) return { ok: false, errors: { _schema: ["Invalid input type."] } };
    for (const k of Object.keys(doc))
      if (!["name", "address", "inputs", "outputs", "description"].includes(k)) sink.add(k, messages.unknown);
    const { name, address, description } = doc;
    if (name === undefined) sink.add("name", messages.missing);
    else if (typeof name !== "string") sink.add("name", messages.string);
    else if (!/^[A-Za-z][\w.-]{0,99}$/.test(name))
      sink.add("name", 'Must be up to 100 letters, digits, ".", "_" or "-", starting with a letter.');
    if (address === undefined) sink.add("address", messages.missing);
    else if (typeof address !== "string") sink.add("address", messages.string);
    else if (!/^https?:\/\/[^\s]+$/.test(address)) sink.add("address", "Not a valid URL.");
    if (description !== undefined && typeof description !== "string")
      sink.add("description", messages.string);
    const inputs = parseFields(doc.inputs, "inputs", sink);
    const outputs = parseFields(doc.outputs, "outputs", sink);
    if (!sink.empty) return { ok: false, errors: sink.errors };
    await this.ready();
    const service = await this.store.putService(
      {
        id: randomUUID(),
        name: name as string,
        address: address as string,
        inputs,
        outputs,
        description: description as string | undefined,
      },
      this.now(),
    );
    return { ok: true, service };
  }

  listServices(): Promise<RegistryItem[]> {
    return this.registry.list();
  }

  // --- definitions ----------------------------------------------------------------------------------

  /**
   * Checks a definition (shape, then services, paths, inputs and types) and stores it as the next
   * version of its name. Runs already started keep the version they started with.
   */
  async submit(doc: unknown): Promise<Submission> {
    const parsed = parseDefinition(doc);
    if (!parsed.ok) return { ok: false, kind: "invalid", errors: parsed.errors };
    const def = parsed.definition;
    if (this.isCoded(def.name))
      return {
        ok: false,
        kind: "invalid",
        errors: { name: [`A flow written in code is named "${def.name}".`] },
      };
    await this.ready();
    const known = await this.registry.resolve(servicesOf(def));
    const stepsPath = Array.isArray((doc as { services?: unknown }).services) ? "services" : "steps";
    const check = checkDefinition(
      def,
      (n) => {
        const item = known.get(n);
        return item === undefined ? undefined : shapeOf(item);
      },
      stepsPath,
    );
    if (check.unknownServices.length > 0)
      return { ok: false, kind: "unknown-services", services: check.unknownServices, errors: check.errors };
    if (Object.keys(check.errors).length > 0) return { ok: false, kind: "invalid", errors: check.errors };
    const record = await this.store.putDefinition(
      { id: randomUUID(), name: def.name, definition: def },
      this.now(),
    );
    this.define(record);
    return { ok: true, record };
  }

  /** The latest version of a flow by id or name (or the given version), or `TESSERA_NOT_FOUND`. */
  async definition(idOrName: string, version?: number): Promise<DefinitionRecord> {
    await this.ready();
    const rec = await this.store.getDefinition(idOrName, version);
    if (rec === undefined || (version !== undefined && rec.deleted))
      throw TesseraError.notFound(
        `no declared flow ${idOrName}${version === undefined ? "" : ` version ${version}`}`,
      );
    return rec;
  }

  async list(): Promise<DefinitionRecord[]> {
    await this.ready();
    return this.store.listDefinitions();
  }

  async versions(idOrName: string): Promise<DefinitionRecord[]> {
    const list = await this.store.listVersions(idOrName);
    if (list.length === 0) throw TesseraError.notFound(`no declared flow ${idOrName}`);
    return list;
  }

  /** Deletes a flow: no new runs; its versions stay readable for the runs that use them. */
  async remove(idOrName: string): Promise<void> {
    const rec = await this.store.getDefinition(idOrName);
    if (rec === undefined || !(await this.store.deleteDefinition(idOrName, this.now())))
      throw TesseraError.notFound(`no declared flow ${idOrName}`);
    this.define({ ...rec, deleted: true });
  }

  // --- runs -----------------------------------------------------------------------------------------

  /**
   * Starts a run of the latest version with the event's data, once the data fits the flow's inputs
   * (else `TESSERA_VALIDATION` with the problems per field in `details.fields`).
   */
  async run(
    idOrName: string,
    data: unknown,
    options: StartOptions = {},
  ): Promise<{ run: RunRecord; created: boolean }> {
    const rec = await this.definition(idOrName);
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
    this.ensureDefined(rec); // submitted through another node since the last refresh
    return this.engine.startRun(this.engine.flow(rec.name), data as never, options);
  }

  /** A run of a declared flow by its event id. */
  async event(eventId: string): Promise<RunRecord> {
    const run = await this.engine.store.getRun(eventId);
    if (run === undefined || !this.isDeclared(run.flow)) throw TesseraError.notFound(`no event ${eventId}`);
    return run;
  }

  /** The snapshot a run works from: read from its journal (what the first effect recorded), if it started. */
  async snapshotOf(runId: string): Promise<RunSnapshot | undefined> {
    const first = (await this.engine.store.journal(runId)).find(
      (e) => e.seq === 1 && e.name === SNAPSHOT_STEP,
    );
    return first?.state === "ok" ? (first.value as RunSnapshot) : undefined;
  }

  isDeclared(flowName: string): boolean {
    return this.declaredNames.has(flowName);
  }

  private isCoded(name: string): boolean {
    return !this.declaredNames.has(name) && this.engine.definitions.some((f) => f.name === name);
  }

  private readonly declaredNames = new Set<string>();

  /** Gives the engine the flow of a definition's name at its latest version (every version runs on the same interpreter). */
  private define(rec: DefinitionRecord): void {
    const def = rec.definition as FlowDefinition;
    const versions = Array.from({ length: rec.version - 1 }, (_, i) => String(i + 1));
    const signals = signalsOf(def).map((s) =>
      s.type === "wait"
        ? signal(s.signal!, s.fields === undefined ? undefined : fieldsSchema(s.fields))
        : undefined,
    );
    const flowDef: FlowDef = Object.freeze({
      kind: "flow" as const,
      name: rec.name,
      version: String(rec.version),
      options: {
        input: rec.deleted ? deletedSchema(rec.name) : fieldsSchema(def.inputs),
        compatibleWith: versions,
        signals: signals.filter((s) => s !== undefined),
        ...(def.description === undefined ? {} : { description: def.description }),
      },
      body: ((ctx, input: Data) => this.body(ctx, input)) as FlowDef["body"],
    });
    this.declaredNames.add(rec.name);
    this.engine.define(flowDef);
  }

  private async body(ctx: Parameters<FlowDef["body"]>[0], input: Data): Promise<Data> {
    const snapshot = await ctx.step(SNAPSHOT_STEP, () => this.snapshot(ctx.runId));
    return new Interpreter(ctx, snapshot, this.caller, this.callTimeoutMs).execute(input);
  }

  /** The definition of the run's version and the services it calls, as they are now (journaled by the caller). */
  private async snapshot(runId: string): Promise<RunSnapshot> {
    const run = await this.engine.store.getRun(runId);
    if (run === undefined) throw TesseraError.notFound(`no run ${runId}`);
    const rec = await this.store.getDefinition(run.flow, Number(run.version));
    if (rec === undefined)
      throw TesseraError.notFound(`no version ${run.version} of declared flow ${run.flow}`);
    const definition = rec.definition as FlowDefinition;
    const services: Record<string, ServiceTarget> = {};
    for (const [name, item] of await this.registry.resolve(servicesOf(definition)))
      services[name] = targetOf(item);
    return { version: rec.version, definition, services };
  }

  private readonly caller: ServiceCaller = {
    call: (name, target, input, info, timeoutMs) => {
      if (target.kind === "http")
        return callHttpService(name, target.address, input, info.idempotencyKey, timeoutMs);
      const ref = this.registry.entry(target.entry);
      const node = this.node;
      if (ref === undefined || node === undefined) throw TesseraError.notFound(`no entry ${target.entry}`);
      const meta: CallMeta = {
        requestId: info.idempotencyKey,
        identity: undefined,
        deadline: undefined,
        signal: undefined,
      };
      return node.invoke(ref, input, meta, { timeout: timeoutMs });
    },
  };
}

/** Declared flows on an engine and a store (see {@link DeclaredFlows}). */
export function createDeclaredFlows(options: DeclaredFlowsOptions): DeclaredFlows {
  return new DeclaredFlows(options);
}
