import type { StoredEvent } from "../../ports/event-store.js";
import { parseOptions } from "../definition-options.js";
import type { AggregateDef, DeletedEvent } from "./aggregate.js";
import type { DomainEvent } from "./domain-event.js";
import { projectionOptionsSchema } from "./projection-options-schema.js";
import type { ProjectionTables, Sql } from "./projection-sql.js";

/** Read-model documents, inside the transaction that applies a batch of events. */
export interface Documents {
  get<T = unknown>(collection: string, id: string): Promise<T | undefined>;
  put(collection: string, id: string, doc: unknown): Promise<void>;
  delete(collection: string, id: string): Promise<void>;
}

/** An event handed to a projection: the stored event, typed, with the aggregate it belongs to. */
export type ProjectedEvent<E extends DomainEvent> = Omit<StoredEvent, "type" | "data"> &
  (E | DeletedEvent) & {
    readonly aggregate: string;
    readonly aggregateId: string;
  };

export interface ProjectionOptions<E extends DomainEvent> {
  /** Names the projection and its checkpoint. */
  readonly name: string;
  /**
   * `inline`: applied in the transaction of the append (the read model is never behind);
   * `async` (default): applied by a runner that follows the global log, with a durable checkpoint
   * saved in the same transaction as the read model.
   */
  readonly mode?: "inline" | "async";
  /** The aggregates whose events it reads. */
  readonly from: AggregateDef<string, unknown, E> | readonly AggregateDef<string, unknown, DomainEvent>[];
  /** Events per transaction of an async projection (default 500). */
  readonly batchSize?: number;
  /**
   * The document an event's handler reads, if it is known from the event (e.g. `(e) => ["accounts",
   * e.aggregateId]`): an async batch then reads them all in one query instead of one per `get`.
   */
  prefetch?(event: ProjectedEvent<E>): readonly [collection: string, id: string] | undefined;
  /** The collections it writes: a rebuild empties them (none for a projection into its own `tables`). */
  readonly collections?: readonly string[];
  /**
   * Tables of its own in the store's database (SQLite and PostgreSQL stores): created by its
   * `migrations`, emptied by `reset` on a rebuild, written with `sql` in the handler, in the same
   * transaction as the documents and the checkpoint.
   */
  readonly tables?: ProjectionTables;
  handle(event: ProjectedEvent<E>, docs: Documents, sql: Sql): Promise<void> | void;
}

export interface ProjectionDef<E extends DomainEvent = DomainEvent> extends ProjectionOptions<E> {
  readonly kind: "projection";
  readonly mode: "inline" | "async";
  readonly collections: readonly string[];
  /** The projected form of a stored event, or undefined when the projection does not read it. */
  select(event: StoredEvent): ProjectedEvent<E> | undefined;
}

/**
 * Declares a projection into read-model documents.
 *
 * @example
 * export const accountView = projection({
 *   name: "account-view", mode: "inline", from: account, collections: ["accounts"],
 *   async handle(e, docs) {
 *     if (e.type === "opened") await docs.put("accounts", e.aggregateId, { owner: e.data.owner, balance: 0 });
 *   },
 * });
 */
export function projection<E extends DomainEvent>(options: ProjectionOptions<E>): ProjectionDef<E> {
  const given = (options as { name?: unknown } | null)?.name;
  parseOptions(
    typeof given === "string" && given !== "" ? given : "projection",
    projectionOptionsSchema,
    options,
  );
  const from = (Array.isArray(options.from) ? options.from : [options.from]) as readonly AggregateDef[];
  const prefixes = from.map((a) => ({ name: a.name, prefix: `${a.name}-` }));
  return Object.freeze({
    ...options,
    kind: "projection" as const,
    mode: options.mode ?? "async",
    collections: options.collections ?? [],
    select(event: StoredEvent) {
      const match = prefixes.find((p) => event.stream.startsWith(p.prefix));
      if (match === undefined) return undefined;
      return {
        ...event,
        aggregate: match.name,
        aggregateId: event.stream.slice(match.prefix.length),
      } as unknown as ProjectedEvent<E>;
    },
  });
}
