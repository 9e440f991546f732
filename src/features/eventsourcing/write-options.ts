import { createHash } from "node:crypto";
import { TesseraError } from "../../core/errors.js";
import type { DomainEvent } from "./domain-event.js";
import type { Entity } from "./entity.js";

/** A pure decision: the events a command produces from the current state (throw to refuse). */
export type Decide<S, E extends DomainEvent> = (state: S, entity: Entity<S> | undefined) => E | readonly E[];

export interface WriteOptions {
  /** Metadata stored with each event (who, why, correlation ids…). */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /**
   * Makes the write idempotent (a saga step replayed after a crash, a retried request): the
   * events' ids derive from the key and the aggregate's stream (one key may be given to writes on
   * several aggregates, each done once), and `update` / `save` / `create` with a key whose events are
   * among the aggregate's last 1,000 return the aggregate without deciding or appending again.
   */
  readonly idempotencyKey?: string;
}

/** How far back `idempotencyKey` is looked for. */
export const IDEMPOTENCY_WINDOW = 1000;

/** A UUID (version 8, name-based) derived from a key: the same key always gives the same id. */
export function idFromKey(key: string): string {
  const h = createHash("sha256").update(key).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The id of the `index`-th event of a write keyed `key` on `stream` (which names the aggregate):
 * one key dedups per stream, so a saga step may give its key to writes on two aggregates.
 */
export function keyedEventId(stream: string, key: string, index: number): string {
  return idFromKey(`${stream}\u0000${key}:${index}`);
}

/** A conflict of versions (the caller may reload and retry), not of ids. */
export function isVersionConflict(err: TesseraError): boolean {
  return typeof (err.details as { currentVersion?: unknown } | undefined)?.currentVersion === "number";
}

/** A conflict of an event id already stored (a keyed write repeated). */
export function isDuplicateId(err: TesseraError): boolean {
  return (err.details as { duplicateEventId?: unknown } | undefined)?.duplicateEventId === true;
}

/** Refuses an empty `idempotencyKey` (it would dedup every write given one): `TESSERA_VALIDATION`. */
export function checkKey(aggregate: string, options: WriteOptions): void {
  if (options.idempotencyKey === "")
    throw new TesseraError("TESSERA_VALIDATION", `${aggregate}: idempotencyKey must not be empty`, {
      details: { issues: [{ path: "idempotencyKey", message: "must not be empty" }] },
    });
}
