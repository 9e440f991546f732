import { TesseraError } from "../../core/errors.js";
import type { NodePlugin, TesseraNode } from "../../core/node.js";
import type { Authorizer } from "../../core/service.js";
import type { DeclaredFlowStore, DefinitionRecord, ServiceRecord } from "../../ports/declared-flow-store.js";
import type { RunRecord } from "../../ports/flow-store.js";
import { declaredFlowStoreCheck } from "../../ports/store-readiness.js";
import type { FlowEngine, StartOptions } from "../flows/engine.js";
import { DeclaredDefinitions, type Submission, type SubmitOptions } from "./declared-definitions.js";
import { DeclaredRuns } from "./declared-runs.js";
import type { FieldErrors } from "./field-errors.js";
import { checkManagementStage, type ManagementOptions, managementAuthorizer } from "./management-auth.js";
import type { RunSnapshot } from "./run-snapshot.js";
import { type RegistryItem, ServiceRegistry } from "./service-registry.js";
import { flowsUsing } from "./service-uses.js";

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
  /**
   * Who may use the management API (`declaredFlowsService`, `machineryService`): a token, an
   * authorizer and a role (see management-auth.ts). None: open in `dev`, and a node in another
   * stage refuses to start unless `open: true`.
   */
  readonly management?: ManagementOptions;
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
 * const node = createNode({ services: [text, flowsService(engine), declaredFlowsService(declared)], plugins: [engine, declared], transport });
 */
export class DeclaredFlows implements NodePlugin {
  readonly name = "declared-flows";
  readonly engine: FlowEngine;
  readonly store: DeclaredFlowStore;
  readonly registry: ServiceRegistry;
  readonly definitions: DeclaredDefinitions;
  readonly runs: DeclaredRuns;
  /** The authorizer of the management API (undefined: open, or the gateway's `authorize`). */
  readonly managementAuthorizer: Authorizer | undefined;
  private node: TesseraNode | undefined;
  private migrated: Promise<void> | undefined;
  private refresher: NodeJS.Timeout | undefined;

  constructor(private readonly options: DeclaredFlowsOptions) {
    this.engine = options.engine;
    this.store = options.store;
    this.managementAuthorizer = managementAuthorizer(options.management);
    const now = options.now ?? Date.now;
    const ready = () => this.ready();
    this.registry = new ServiceRegistry({
      store: options.store,
      aliases: options.aliases,
      hidden: hiddenServices,
      now,
      ready,
      egress: () => options.engine.egress,
    });
    this.definitions = new DeclaredDefinitions({
      engine: options.engine,
      store: options.store,
      registry: this.registry,
      now,
      ready,
      body: (ctx, input) => this.runs.body(ctx, input),
    });
    this.runs = new DeclaredRuns({
      engine: options.engine,
      store: options.store,
      registry: this.registry,
      definitions: this.definitions,
      callTimeoutMs: options.callTimeoutMs ?? 30_000,
      node: () => this.node,
    });
  }

  async start(node: TesseraNode): Promise<void> {
    checkManagementStage(this.options.management, node.stage);
    this.node = node;
    this.registry.useServices(node.known);
    this.registry.useRemote(() => node.registry.list());
    await this.refresh();
    const every = this.options.refreshMs ?? 5000;
    if (every > 0) {
      this.refresher = setInterval(() => {
        this.refresh().catch((err: unknown) => node.logger.error("reading declared flows failed", { err }));
      }, every);
      this.refresher.unref();
    }
  }

  /** `/ready` pings the declared flow store (the engine's plugin pings its own). */
  readinessChecks = () => [declaredFlowStoreCheck(this.store)];

  async stop(): Promise<void> {
    clearInterval(this.refresher);
    if (this.options.closeStore ?? false) await this.store.close();
  }

  /** The store's migrations, once. */
  ready(): Promise<void> {
    this.migrated ??= this.store.migrate();
    return this.migrated;
  }

  /** Gives the engine every stored definition it does not have at its latest version. */
  refresh(): Promise<void> {
    return this.definitions.refresh();
  }

  /** Registers an external service (an existing name is updated and keeps its id). */
  registerService(
    doc: unknown,
  ): Promise<{ ok: true; service: ServiceRecord } | { ok: false; errors: FieldErrors }> {
    return this.registry.register(doc);
  }

  /**
   * Unregisters an external service, unless a declared flow still uses it (its latest version, or
   * a queued run of a version that calls it): then `TESSERA_CONFLICT` (409) with `details.flows`.
   * `TESSERA_NOT_FOUND` when no such service is registered.
   */
  async removeService(idOrName: string): Promise<void> {
    await this.ready();
    const s = await this.store.getService(idOrName);
    if (s === undefined) throw TesseraError.notFound(`no registered service ${idOrName}`);
    const flows = await flowsUsing(s.name, {
      store: this.store,
      runs: this.engine.store,
      started: async (runId) => (await this.runs.snapshotOf(runId)) !== undefined,
    });
    if (flows.length > 0)
      throw TesseraError.conflict(`service ${s.name} is used by the flows ${flows.join(", ")}`, {
        service: s.name,
        flows,
      });
    if (!(await this.store.deleteService(s.id)))
      throw TesseraError.notFound(`no registered service ${idOrName}`);
  }

  listServices(): Promise<RegistryItem[]> {
    return this.registry.list();
  }

  /** Checks a definition and stores it as the next version of its name (see {@link DeclaredDefinitions.submit}). */
  submit(doc: unknown, options: SubmitOptions = {}): Promise<Submission> {
    return this.definitions.submit(doc, options);
  }

  /** The latest version of a flow by id or name (or the given version), or `TESSERA_NOT_FOUND`. */
  definition(idOrName: string, version?: number): Promise<DefinitionRecord> {
    return this.definitions.get(idOrName, version);
  }

  list(): Promise<DefinitionRecord[]> {
    return this.definitions.list();
  }

  versions(idOrName: string): Promise<DefinitionRecord[]> {
    return this.definitions.versions(idOrName);
  }

  /** Deletes a flow: no new runs; its versions stay readable for the runs that use them. */
  remove(idOrName: string): Promise<void> {
    return this.definitions.remove(idOrName);
  }

  /** Starts a run of the latest version with the event's data (see {@link DeclaredRuns.run}). */
  run(
    idOrName: string,
    data: unknown,
    options: StartOptions = {},
  ): Promise<{ run: RunRecord; created: boolean }> {
    return this.runs.run(idOrName, data, options);
  }

  /** A run of a declared flow by its event id. */
  event(eventId: string): Promise<RunRecord> {
    return this.runs.event(eventId);
  }

  /** The snapshot a run works from, if it started. */
  snapshotOf(runId: string): Promise<RunSnapshot | undefined> {
    return this.runs.snapshotOf(runId);
  }

  isDeclared(flowName: string): boolean {
    return this.definitions.isDeclared(flowName);
  }
}

/** Declared flows on an engine and a store (see {@link DeclaredFlows}). */
export function createDeclaredFlows(options: DeclaredFlowsOptions): DeclaredFlows {
  return new DeclaredFlows(options);
}
