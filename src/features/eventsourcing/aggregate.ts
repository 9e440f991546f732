import { TesseraError } from "../../core/errors.js";
import { type EventDef, event } from "../../core/event.js";
import type { Schema } from "../../core/schema.js";
import { parseOptions } from "../definition-options.js";
import { aggregateOptionsSchema } from "./aggregate-options-schema.js";
import type {
  CreatedPayload,
  DeletedPayload,
  DomainEvent,
  EventPayload,
  UpdatedPayload,
} from "./domain-event.js";

/** The event the repository appends to mark an aggregate deleted (its stream is kept). */
export const DELETED = "$deleted";
export type DeletedEvent = DomainEvent<typeof DELETED, Record<string, never>>;

/** Which domain events the outbox publishes for an aggregate. */
export type PublishMode = "all" | "lifecycle" | "events" | "none";

export interface AggregateOptions<S, E extends DomainEvent> {
  /** The state before any event. */
  initial(): S;
  /** Pure: the state after one more event. */
  evolve(state: S, event: E): S;
  /** Schemas of the events' data, checked before an append (a failure appends nothing). */
  readonly schemas?: { readonly [T in E["type"]]?: Schema };
  /**
   * Snapshots: `{ every: 100 }` saves one each time the version crosses a multiple of 100 (in the
   * append's transaction); `{}` only on demand (`repository.snapshot(id)`). Loading uses the latest
   * one and the events after it. `version` is the state's shape: bump it when `evolve` changes and
   * older snapshots are ignored. The state must be plain JSON.
   */
  readonly snapshots?: { readonly every?: number; readonly version?: number };
  /**
   * The current schema version of the aggregate's events (default: the event store's, one past the
   * last upcaster of each type, 1 without any). New events are stored with it; the store's
   * upcasters (`{ type, from, up }`) run only on events stored at an older one. Bump it, and add the
   * upcaster `from` the old number, when the shape of an event changes. Snapshots record it: one
   * taken at another is not used, the aggregate is rebuilt from its events.
   *
   * @example
   * aggregate("account", { initial, evolve, schemaVersion: 2 }) // with { type: "deposited", from: 1, up }
   */
  readonly schemaVersion?: number;
  /** The current schema version of single event types, over `schemaVersion`: `{ deposited: 2 }`. */
  readonly eventSchemaVersions?: { readonly [T in E["type"]]?: number };
  /** Domain events published through the outbox (default `"all"`). */
  readonly publish?: PublishMode;
  /**
   * Publish the domain events as durable events (`event(name, schema, { durable: true })`): the
   * outbox relay stores each on the transport's durable streams (JetStream on NATS) under its
   * stable id (deduplicated by the broker), waits for the broker's acknowledgement and only then
   * removes it from the outbox; subscribers consume them durably, so one that is down gets them
   * when it is back. Without it (default false) they are plain publications: a subscriber that is
   * not running when one is relayed misses it. Needs a transport with durable streams.
   *
   * @example
   * export const account = aggregate("account", { initial, evolve, durable: true });
   */
  readonly durable?: boolean;
}

/** An aggregate definition: a value, with the bus events it publishes. */
export interface AggregateDef<N extends string = string, S = unknown, E extends DomainEvent = DomainEvent> {
  readonly kind: "aggregate";
  readonly name: N;
  /** `Account` for `account`: the prefix of its published events. */
  readonly pascal: string;
  readonly options: AggregateOptions<S, E>;
  /** `{Aggregate}Created`: the full state of a new aggregate. */
  readonly created: EventDef<string, CreatedPayload<S>>;
  /** `{Aggregate}Updated`: the fields a command changed. */
  readonly updated: EventDef<string, UpdatedPayload<S>>;
  /** `{Aggregate}Deleted`. */
  readonly deleted: EventDef<string, DeletedPayload>;
  /** `{Aggregate}{Type}`: one of its own events, as published. */
  event<T extends E["type"]>(type: T): EventDef<string, EventPayload<Extract<E, { type: T }>>>;
  /** The stream of the aggregate with that id: `account-<id>`. */
  streamOf(id: string): string;
}

export const pascalCase = (name: string) =>
  name.replace(/(^|[-_.\s]+)([a-zA-Z0-9])/g, (_m, _sep, c: string) => c.toUpperCase());

/** The published names of the lifecycle events: an event type must not take one of them. */
const LIFECYCLE = new Set(["Created", "Updated", "Deleted"]);

/**
 * Refuses an event type whose published name would be a lifecycle event's (`created` would publish
 * as `AccountCreated`, the lifecycle event of another shape): `TESSERA_DEFINITION` naming it
 * (issue 17, bug 2).
 *
 * @example
 * assertEventType("account", "created") // throws: rename it, e.g. "opened"
 */
export function assertEventType(aggregateName: string, type: string): void {
  if (type === DELETED) return;
  const published = pascalCase(type);
  if (LIFECYCLE.has(published)) {
    const pascal = pascalCase(aggregateName);
    throw TesseraError.definition(
      `${aggregateName}.${type}`,
      `event "${type}" of aggregate ${aggregateName} would be published as ${pascal}${published}, the name of its ` +
        `lifecycle event (${pascal}Created/Updated/Deleted, another payload): give it another name, e.g. "opened" or "changed"`,
    );
  }
}

/**
 * Declares an event-sourced aggregate: its state is the fold of its events with `evolve`.
 *
 * @example
 * type AccountEvent = DomainEvent<"opened", { owner: string }> | DomainEvent<"deposited", { amount: number }>;
 * export const account = aggregate("account", {
 *   initial: () => ({ owner: "", balance: 0 }),
 *   evolve: (s, e: AccountEvent) =>
 *     e.type === "opened" ? { ...s, owner: e.data.owner } : { ...s, balance: s.balance + e.data.amount },
 * });
 */
export function aggregate<const N extends string, S, E extends DomainEvent>(
  name: N,
  options: AggregateOptions<S, E>,
): AggregateDef<N, S, E> {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
    throw TesseraError.definition(name, `aggregate name "${name}" must be lower-case words joined by "-"`);
  }
  parseOptions(name, aggregateOptionsSchema, options);
  for (const type of [
    ...Object.keys(options.schemas ?? {}),
    ...Object.keys(options.eventSchemaVersions ?? {}),
  ])
    assertEventType(name, type);
  const pascal = pascalCase(name);
  const events = new Map<string, EventDef>();
  const durable = { durable: options.durable === true };
  return Object.freeze({
    kind: "aggregate" as const,
    name,
    pascal,
    options,
    created: event(`${pascal}Created`, undefined, durable) as unknown as EventDef<string, CreatedPayload<S>>,
    updated: event(`${pascal}Updated`, undefined, durable) as unknown as EventDef<string, UpdatedPayload<S>>,
    deleted: event(`${pascal}Deleted`, undefined, durable) as unknown as EventDef<string, DeletedPayload>,
    event<T extends E["type"]>(type: T) {
      let def = events.get(type);
      if (def === undefined) {
        assertEventType(name, type);
        def = event(`${pascal}${pascalCase(type)}`, undefined, durable);
        events.set(type, def);
      }
      return def as EventDef<string, EventPayload<Extract<E, { type: T }>>>;
    },
    streamOf: (id: string) => `${name}-${id}`,
  });
}
