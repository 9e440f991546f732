import type { CallMeta, Invoke } from "./call-meta.js";
import { type Codec, jsonCodec } from "./codec.js";
import type { ConfigModel, ConfigShape, ConfigValues } from "./config.js";
import type { CallArgs, CallOptions, EmitOptions, EntryRef } from "./context.js";
import { compileCall, compileRemote, compileServe, type DispatchHost } from "./dispatcher.js";
import { EndpointRegistry, type NodeInfo } from "./endpoint-registry.js";
import { TesseraError } from "./errors.js";
import type { EventDef } from "./event.js";
import { type EventHost, publishEvent, subscribeService } from "./event-delivery.js";
import { newNodeId, newRequestId } from "./ids.js";
import { type EntryInbox, LocalInbox } from "./inbox.js";
import { DEFAULT_INBOX_RETENTION_MS, inboxChecks, withInbox } from "./inbox-serve.js";
import { createLogger, type Logger } from "./logger.js";
import { callWithTimeout } from "./middleware/timeout.js";
import { NodeConfig } from "./node-config.js";
import { infoOf, type NodeState, type Readiness, readinessOf, type Topology } from "./node-introspection.js";
import { checkNodeOptions } from "./node-options.js";
import { checksOf, type ReadinessCheck, type ReadinessOptions, ReadinessProbe } from "./readiness-probe.js";
import { RemoteRouter } from "./remote-router.js";
import { type LocalEntry, RemoteServing } from "./remote-serving.js";
import { type RootCallOptions, rootCallMeta, rootEmitMeta } from "./root-call.js";
import { inStage, type Route, routeTable } from "./routes.js";
import type { ServiceDef } from "./service.js";
import type { Transport } from "./transport.js";
import type { TransportSubscription } from "./transport-message.js";
import { missingPlugins, type UseKey, type UseProvider, UseProviders } from "./uses.js";

export interface NodeOptions {
  /** The services this node hosts. */
  readonly services: readonly ServiceDef[];
  /** The bus: `memoryTransport()` in one process, `natsTransport(...)` across processes. */
  readonly transport: Transport;
  /** Entries limited to other stages are left out. Default `dev`. */
  readonly stage?: string;
  readonly id?: string;
  readonly logger?: Logger;
  readonly codec?: Codec;
  /** Bound (ms) of a remote call that carries no deadline. Default 30 000. */
  readonly requestTimeout?: number;
  /** How long `stop()` waits for in-flight work. Default 10 000 ms. */
  readonly drainTimeout?: number;
  /**
   * The names of the services this node runs (default: all of `services`). The others are known —
   * their routes on the gateway, typed calls to them — and served by other nodes: `[]` makes a pure
   * gateway node.
   */
  readonly run?: readonly string[];
  /** Features that start and stop with the node, e.g. `discovery()`. */
  readonly plugins?: readonly NodePlugin[];
  /** The application's version, announced by discovery (default `$npm_package_version`). */
  readonly version?: string;
  /** What `/ready` checks besides the transport and the plugins' stores; ping timeout and cache. */
  readonly readiness?: ReadinessOptions;
  /** Where the services' config models read their keys (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Where idempotent entries keep the first answer of each key (default: this process's memory).
   * Give every node of a service the same durable one (`postgresInbox`, `sqliteInbox`).
   */
  readonly inbox?: EntryInbox;
  /** How long the inbox keeps an answer (ms). Default 24 hours. */
  readonly inboxRetentionMs?: number;
}

/**
 * A feature that lives as long as a node: started once the node serves, stopped first when it
 * stops (before its subscriptions go), e.g. discovery's announcements.
 */
export interface NodePlugin {
  readonly name: string;
  start?(node: TesseraNode): Promise<void> | void;
  stop?(node: TesseraNode): Promise<void> | void;
  /** What `/ready` pings for this feature, e.g. its store. */
  readinessChecks?(): readonly ReadinessCheck[];
  /** The inbox of the node's idempotent entries, when the node's options give none (a project's stores). */
  readonly inbox?: EntryInbox;
}

/**
 * A node hosts services: it serves their entries (locally and on the transport), routes calls to
 * local or remote entries through the resilience pipeline, and delivers events.
 *
 * @example
 * const node = createNode({ services: [text, pipeline], transport: memoryTransport() });
 * await node.start();
 * const out = await node.call(pipeline.entries.process, { message: "hello world" });
 */
export class TesseraNode implements DispatchHost, EventHost {
  readonly id: string;
  readonly stage: string;
  readonly logger: Logger;
  readonly transport: Transport;
  readonly codec: Codec;
  readonly requestTimeout: number;
  /** The services this node runs. */
  readonly services: readonly ServiceDef[];
  /** Every service the node knows: those it runs and those other nodes serve. */
  readonly known: readonly ServiceDef[];
  /** The HTTP routes of the known entries of this stage (remote ones are called over the transport). */
  readonly routes: readonly Route[];
  /** The remote endpoints, fed by discovery. */
  readonly registry: EndpointRegistry;
  readonly router: RemoteRouter;
  readonly version: string;
  /** Where idempotent entries keep their first answers and durable consumers their handled event ids, for `inboxRetentionMs`. */
  readonly inbox: EntryInbox;
  readonly inboxRetentionMs: number;

  private state: NodeState = "created";
  private inFlight = 0;
  private idle: (() => void) | undefined;
  private readonly drainTimeout: number;
  private readonly local = new Map<string, LocalEntry>();
  private readonly compiled = new Map<EntryRef, Invoke>();
  private readonly serviceByName = new Map<string, ServiceDef>();
  private subscriptions: TransportSubscription[] = [];
  private readonly plugins: readonly NodePlugin[];
  readonly startedAt = Date.now();
  private readonly configs: NodeConfig;
  private readonly serving: RemoteServing;
  private readonly providers = new UseProviders();
  private stopping: Promise<void> | undefined;
  private readonly probe: ReadinessProbe;

  constructor(options: NodeOptions) {
    checkNodeOptions(options);
    this.id = options.id ?? newNodeId();
    this.stage = options.stage ?? "dev";
    this.logger = (options.logger ?? createLogger()).child({ node: this.id });
    this.transport = options.transport;
    this.codec = options.codec ?? jsonCodec;
    this.requestTimeout = options.requestTimeout ?? 30_000;
    this.drainTimeout = options.drainTimeout ?? 10_000;
    if (!/^[\w-]{1,64}$/.test(this.id))
      throw TesseraError.definition("node.id", `node id "${this.id}" must be letters, digits, "_" or "-"`);
    this.known = options.services;
    const run = options.run === undefined ? undefined : new Set(options.run);
    const strangers = [...(run ?? [])].filter((name) => !options.services.some((s) => s.name === name));
    if (strangers.length > 0) {
      throw new TesseraError(
        "TESSERA_CONFIG",
        `unknown service${strangers.length > 1 ? "s" : ""} ${strangers.join(", ")} to run (known: ${options.services.map((s) => s.name).join(", ")})`,
      );
    }
    this.services = run === undefined ? options.services : options.services.filter((s) => run.has(s.name));
    this.plugins = options.plugins ?? [];
    this.probe = new ReadinessProbe(
      () => [...checksOf(options.readiness, this.plugins), ...inboxChecks(this.inbox, this.services)],
      options.readiness,
    );
    this.version = options.version ?? process.env.npm_package_version ?? "unversioned";
    this.registry = new EndpointRegistry(this.id);
    this.router = new RemoteRouter(this);
    for (const svc of options.services) {
      if (this.serviceByName.has(svc.name)) {
        throw TesseraError.definition(svc.name, `service "${svc.name}" is given twice to the node`);
      }
      this.serviceByName.set(svc.name, svc);
    }
    this.routes = routeTable(options.services, this.stage);
    this.inbox = options.inbox ?? options.plugins?.find((p) => p.inbox)?.inbox ?? new LocalInbox();
    const retentionMs = options.inboxRetentionMs ?? DEFAULT_INBOX_RETENTION_MS;
    this.inboxRetentionMs = retentionMs;
    const keep = { inbox: this.inbox, codec: this.codec, logger: this.logger, retentionMs };
    for (const svc of this.services) {
      for (const ref of Object.values(svc.entries)) {
        if (!inStage(ref, this.stage)) continue;
        const serve = compileServe(this, svc, ref);
        this.local.set(ref.id, { svc, serve: ref.idempotent ? withInbox(ref.id, serve, keep) : serve });
      }
    }
    this.configs = new NodeConfig(this.services, this.serviceByName, options.env ?? process.env);
    this.serving = new RemoteServing(this.id, this.local, this.codec, this.logger);
  }

  get status(): NodeState {
    return this.state;
  }

  /** Executions in progress on this node (handlers and event deliveries). */
  get pending(): number {
    return this.inFlight;
  }

  /** The local service of that name. */
  service(name: string): ServiceDef | undefined {
    return this.serviceByName.get(name);
  }

  newRequestId(): string {
    return newRequestId();
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight++;
    const done = () => {
      this.inFlight--;
      if (this.inFlight === 0 && this.idle) this.idle();
    };
    work.then(done, done);
    return work;
  }

  /** Connects the transport, serves the local entries on it and subscribes to events. */
  async start(): Promise<void> {
    if (this.state !== "created")
      throw TesseraError.definition(`node ${this.id}`, `node ${this.id} is ${this.state}, cannot start`);
    this.configs.resolved();
    const missing = missingPlugins(this.services, this.plugins);
    if (missing.length > 0) {
      throw TesseraError.definition(
        "node.plugins",
        `no node plugin for: ${missing.join(", ")} (give the node the feature's plugin)`,
      );
    }
    this.state = "starting";
    try {
      await this.transport.connect();
      this.subscriptions.push(...(await this.serving.subscribe(this.transport)));
      for (const svc of this.services) this.subscriptions.push(...(await subscribeService(this, svc)));
    } catch (err) {
      this.state = "stopped";
      await this.transport.close().catch(() => undefined);
      throw err;
    }
    this.state = "running";
    for (const plugin of this.plugins) {
      try {
        await plugin.start?.(this);
      } catch (err) {
        await this.stop().catch(() => undefined);
        throw err;
      }
    }
    this.logger.info("node started", {
      stage: this.stage,
      transport: this.transport.kind,
      services: this.services.map((s) => s.name),
    });
  }

  /**
   * Stops taking work, drains what is in flight (bounded by `drainTimeout`), closes the transport.
   * A second caller waits for the same stop.
   */
  stop(): Promise<void> {
    if (this.state === "stopped" && this.stopping === undefined) return Promise.resolve();
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const wasRunning = this.state === "running";
    this.state = "stopping";
    // Plugins first, last started first: e.g. discovery deregisters while the node still serves.
    for (const plugin of [...this.plugins].reverse()) {
      try {
        await plugin.stop?.(this);
      } catch (err) {
        this.logger.warn(`plugin ${plugin.name} failed to stop`, { err });
      }
    }
    const subs = this.subscriptions;
    this.subscriptions = [];
    await Promise.allSettled(subs.map((s) => s.unsubscribe()));
    if (this.inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.idle = resolve;
        timer = setTimeout(resolve, this.drainTimeout);
      });
      clearTimeout(timer);
      if (this.inFlight > 0)
        this.logger.warn("stopped with work still in flight", { pending: this.inFlight });
    }
    this.router.close();
    if (wasRunning) await this.transport.close();
    this.state = "stopped";
    this.logger.info("node stopped");
  }

  /**
   * The typed config of the local service that declares `model` (name it when several do).
   *
   * @example
   * const { apiKey } = node.config(textConfig);
   */
  config<M extends ConfigShape>(model: ConfigModel<M>, service?: string): ConfigValues<M> {
    return this.configs.of(model, service);
  }

  /**
   * Makes `key` readable with `ctx.use(key)` by the handlers of this node (a plugin does this
   * when it starts, e.g. the states feature for each state a local service owns or holds).
   */
  provide<T>(key: UseKey<T>, provider: UseProvider<T>): void {
    this.providers.provide(key, provider);
  }

  /** What `ctx.use(key)` gives the handlers of `service` (outside handlers, e.g. in tests). */
  use<T>(key: UseKey<T>, service: string): T {
    return this.providers.use(key, service);
  }

  /** What `ctx.use(key)` gives a handler serving `target` (whose nested calls carry `caller`). */
  useOf<T>(target: string, key: UseKey<T>, caller?: CallMeta): T {
    const dot = target.indexOf(".");
    return this.providers.use(key, dot === -1 ? target : target.slice(0, dot), caller);
  }

  /** The config behind `ctx.config(model)` of a handler serving `target`. */
  configOf(target: string, model: ConfigModel): unknown {
    return this.configs.ofTarget(target, model);
  }

  /** What this node announces of itself. */
  info(): NodeInfo {
    return infoOf(this, { state: this.state, inFlight: this.inFlight, served: this.serving.served });
  }

  /** This node and the live nodes it knows (`GET /registry`, `tesserae nodes`). */
  topology(): Topology {
    return { discovery: this.registry.enabled, self: this.info(), nodes: this.registry.list() };
  }

  /** Whether the node can take traffic: its transport, and its stores as last pinged. */
  readiness(): Readiness {
    return readinessOf(this.state, this.transport, this.probe.last());
  }

  /** {@link readiness} after pinging the stores (each bounded; an outcome is reused for a second). */
  async checkReadiness(): Promise<Readiness> {
    await this.probe.run();
    return this.readiness();
  }

  /**
   * Calls an entry from outside any handler, typed by its definition.
   *
   * @example
   * await node.call(text.entries.upper, { message: "hi" }, { timeout: 1000 });
   */
  call<In, Out>(ref: EntryRef<In, Out>, ...[input, options]: CallArgs<In, RootCallOptions>): Promise<Out> {
    return this.invoke(ref as EntryRef, input, rootCallMeta(options), options) as Promise<Out>;
  }

  /** Publishes an event from outside any handler. */
  emit<In>(
    event: EventDef<string, In, unknown>,
    payload: In,
    options: RootCallOptions & EmitOptions = {},
  ): Promise<void> {
    return this.publish(event as EventDef, payload, rootEmitMeta(options), options);
  }

  /** An untyped call (the way in for the gateway and adapters). */
  invoke(ref: EntryRef, input: unknown, meta: CallMeta, options?: CallOptions): Promise<unknown> {
    const r = this.dispatch(ref, input, meta, options);
    return r instanceof Promise ? r : Promise.resolve(r);
  }

  /** The call underneath everything: the result itself when it completed synchronously, else a promise. */
  dispatch(ref: EntryRef, input: unknown, meta: CallMeta, options?: CallOptions): unknown {
    if (this.state === "stopped")
      return Promise.reject(TesseraError.unavailable(`node ${this.id} is stopped`));
    let call = this.compiled.get(ref);
    if (call === undefined) {
      const local = this.local.get(ref.id);
      const svc = local?.svc ?? this.serviceByName.get(ref.service);
      const here = svc !== undefined && this.services.includes(svc);
      if (local === undefined && svc !== undefined && (here || !inStage(ref, this.stage))) {
        return Promise.reject(
          TesseraError.notFound(`entry ${ref.id} does not exist in stage "${this.stage}"`),
        );
      }
      call = compileCall(ref, local?.serve ?? compileRemote(this, ref), local === undefined);
      this.compiled.set(ref, call);
    }
    // A timeout checks the deadline itself (with the one clock read of the call).
    if (options?.timeout !== undefined) return callWithTimeout(options.timeout, ref.id, call, input, meta);
    if (meta.deadline !== undefined && meta.deadline <= Date.now()) {
      return Promise.reject(TesseraError.timeout(`${ref.id}: the deadline passed before the call`));
    }
    return call(input, meta);
  }

  publish(event: EventDef, payload: unknown, meta: CallMeta, options?: EmitOptions): Promise<void> {
    if (this.state === "stopped")
      return Promise.reject(TesseraError.unavailable(`node ${this.id} is stopped`));
    return publishEvent(this, event, payload, meta, options);
  }
}

/** Creates a node; definitions are checked here (duplicate services or routes fail with `TESSERA_DEFINITION`). */
export function createNode(options: NodeOptions): TesseraNode {
  return new TesseraNode(options);
}
