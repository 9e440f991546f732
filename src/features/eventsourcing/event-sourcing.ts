import { type Codec, jsonCodec } from "../../core/codec.js";
import { TesseraError } from "../../core/errors.js";
import { newNodeId } from "../../core/ids.js";
import { createLogger, type Logger } from "../../core/logger.js";
import type { Transport } from "../../core/transport.js";
import type { EventStore } from "../../ports/event-store.js";
import { eventStoreCheck } from "../../ports/store-readiness.js";
import { parseOptions } from "../definition-options.js";
import type { AggregateDef } from "./aggregate.js";
import type { DomainEvent } from "./domain-event.js";
import { eventSourcingOptionsSchema } from "./event-sourcing-options-schema.js";
import { OutboxRelay, type OutboxRelayOptions } from "./outbox-relay.js";
import type { ProjectionDef } from "./projection.js";
import { type LeaseTimes, leaseTimes, type ProjectionLeaseOptions } from "./projection-lease.js";
import { checkpointOf, ProjectionRunner } from "./projection-runner.js";
import { assertSqlStore, resetTables, setupTables } from "./projection-sql.js";
import { applyInline, Repository, type RepositoryHost } from "./repository.js";

export interface EventSourcingOptions {
  readonly store: EventStore;
  /** Projections kept up to date: inline ones in each append's transaction, async ones by a runner. */
  readonly projections?: readonly ProjectionDef[];
  readonly outbox?: OutboxRelayOptions;
  /**
   * One node runs each async projection, the one holding its lease in the store; the others stand
   * by and take over once the lease ends (default: 5 s, renewed every third of it, tried every 1 s).
   */
  readonly projectionLease?: ProjectionLeaseOptions;
  readonly logger?: Logger;
  /** Close the store in `stop()` (default false: its owner closes it). */
  readonly closeStore?: boolean;
}

/** What `start` needs: a node has all of it (`es.start(node)`). */
export interface PublishHost {
  /** The node's id: it names this process in the projections' leases (default a random id). */
  readonly id?: string;
  /** Where the outbox relay publishes (no transport, no relay). */
  readonly transport?: Transport;
  readonly codec?: Codec;
  readonly logger?: Logger;
}

/**
 * The event-sourcing runtime of a process: its store, repositories, projections and outbox relay.
 *
 * It is also a node plugin: given in `createNode({ plugins: [es] })`, it starts with the node
 * (async projections and the outbox relay on the node's transport) and stops before it.
 *
 * @example
 * const es = eventSourcing({ store: sqliteEventStore({ database }), projections: [accountView] });
 * const node = createNode({ services: [accountsService(es)], transport, plugins: [es] });
 */
export class EventSourcing implements RepositoryHost {
  readonly name = "eventsourcing";
  readonly store: EventStore;
  readonly inline: readonly ProjectionDef[];
  private readonly runners: ProjectionRunner[] = [];
  private relay: OutboxRelay | undefined;
  private log: Logger;
  private readonly lease: LeaseTimes;
  private readonly ownId = `es-${newNodeId()}`;

  constructor(private readonly options: EventSourcingOptions) {
    this.store = options.store;
    this.log = options.logger ?? createLogger({ level: "warn" });
    const names = new Set<string>();
    for (const p of options.projections ?? []) {
      if (names.has(p.name)) throw TesseraError.definition(p.name, `projection "${p.name}" is given twice`);
      names.add(p.name);
    }
    assertSqlStore(this.store, options.projections ?? []);
    this.inline = (options.projections ?? []).filter((p) => p.mode === "inline");
    this.lease = leaseTimes(options.projectionLease);
  }

  repository<S, E extends DomainEvent>(def: AggregateDef<string, S, E>): Repository<S, E> {
    return new Repository(def, this);
  }

  committed(): void {
    this.relay?.poke();
  }

  /**
   * Starts the async projections (each runs here if this process takes its lease, else stands by)
   * and, given a transport, the outbox relay.
   */
  async start(host?: PublishHost): Promise<void> {
    if (host?.logger !== undefined) this.log = host.logger.child({ feature: "eventsourcing" });
    const holder = host?.id ?? this.ownId;
    await setupTables(this.store, this.options.projections ?? []);
    for (const p of this.options.projections ?? []) {
      if (p.mode !== "async") continue;
      const runner = new ProjectionRunner(p, this.store, this.log, holder, this.lease);
      this.runners.push(runner);
      await runner.start();
    }
    if (host?.transport !== undefined) {
      this.relay = new OutboxRelay(
        this.store,
        host.transport,
        host.codec ?? jsonCodec,
        this.log,
        this.options.outbox,
      );
      this.relay.start();
    }
  }

  /** Resolves once every async projection has applied the events visible now. */
  async caughtUp(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.caughtUp()));
  }

  /**
   * The async projections and who runs each, as this process last saw it: `here` when it runs
   * it, else the node holding its lease (`runBy`, undefined until seen).
   */
  projectionRunners(): { readonly projection: string; readonly here: boolean; readonly runBy?: string }[] {
    return this.runners.map((r) => {
      const runBy = r.runBy;
      return { projection: r.projection.name, here: r.running, ...(runBy === undefined ? {} : { runBy }) };
    });
  }

  /** How many events of the global log a projection has still to apply. */
  async lag(projection: ProjectionDef | string): Promise<number> {
    const p = this.find(projection);
    const [head, checkpoint] = await Promise.all([
      this.store.headPosition(),
      this.store.loadCheckpoint(checkpointOf(p)),
    ]);
    return Math.max(0, head - checkpoint);
  }

  /**
   * Rebuilds a read model from the whole log: empties its collections (and runs its tables'
   * `reset`) and replays every event.
   * An async projection is reset to position 0 and caught up by its runner. An inline one is
   * replayed here, in one transaction: run it while no command is writing its aggregates.
   */
  async rebuild(projection: ProjectionDef | string): Promise<void> {
    const p = this.find(projection);
    const runner = this.runners.find((r) => r.projection === p);
    await runner?.stop();
    const events = p.mode === "inline" ? await this.store.readAll() : [];
    await this.store.transaction(async (tx) => {
      for (const c of p.collections) await tx.clearCollection(c);
      await resetTables(p, tx);
      await tx.saveCheckpoint(checkpointOf(p), 0);
      await applyInline([p], events, tx);
    });
    await runner?.start();
    await runner?.caughtUp();
  }

  private find(projection: ProjectionDef | string): ProjectionDef {
    const name = typeof projection === "string" ? projection : projection.name;
    const p = this.options.projections?.find((q) => q.name === name);
    if (p === undefined) throw TesseraError.definition(name, `unknown projection "${name}"`);
    return p;
  }

  /** Publishes what the outbox holds now (tests, and a last flush at shutdown). */
  async flushOutbox(): Promise<void> {
    if (this.relay === undefined) return;
    while ((await this.relay.publishOnce()) > 0);
  }

  /** `/ready` pings the event store (the runtime as a node plugin, or `readiness: { checks }`). */
  readinessChecks = () => [eventStoreCheck(this.store)];

  /** Stops the runners and the relay (and closes the store with `closeStore`). */
  async stop(): Promise<void> {
    await Promise.all(this.runners.splice(0).map((r) => r.stop()));
    await this.relay?.stop();
    this.relay = undefined;
    if (this.options.closeStore === true) await this.store.close();
  }
}

/** Creates the event-sourcing runtime (see {@link EventSourcing}). */
export function eventSourcing(options: EventSourcingOptions): EventSourcing {
  parseOptions("eventSourcing", eventSourcingOptionsSchema, options);
  return new EventSourcing(options);
}
