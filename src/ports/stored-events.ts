import { randomUUID } from "node:crypto";
import type { NewEvent, StoredEvent } from "./event-store.js";

/** The ids of an append's events: the one each gives, a new UUID for the others. */
export function eventIds(events: readonly NewEvent[]): string[] {
  return events.map((e) => e.id ?? randomUUID());
}

/**
 * The events of one append as stored in `stream` after version `base` (versions `base + 1`,
 * `base + 2`…), with schema 1 and empty metadata by default, all recorded at `recordedAt`.
 *
 * @example
 * storedEvents("account-1", [{ type: "opened", data: { owner: "Ada" } }], 0, new Date())
 */
export function storedEvents(
  stream: string,
  events: readonly NewEvent[],
  base: number,
  recordedAt: Date,
  ids: readonly string[] = eventIds(events),
): StoredEvent[] {
  return events.map(
    (e, i): StoredEvent => ({
      id: ids[i]!,
      stream,
      version: base + i + 1,
      type: e.type,
      data: e.data,
      schema: e.schema ?? 1,
      metadata: e.metadata ?? {},
      recordedAt,
    }),
  );
}
