import type { OutboxMessage, StoredEvent } from "../../ports/event-store.js";
import { type AggregateDef, DELETED, pascalCase } from "./aggregate.js";
import type { EventPayload } from "./domain-event.js";
import { DURABLE_MARK } from "./outbox-relay.js";

/** The top-level fields of `after` that differ from `before` (compared as JSON). */
export function changedFields(before: unknown, after: unknown): Record<string, unknown> {
  if (after === null || typeof after !== "object" || Array.isArray(after)) return { value: after };
  const prev = (before !== null && typeof before === "object" ? before : {}) as Record<string, unknown>;
  const next = after as Record<string, unknown>;
  const changes: Record<string, unknown> = {};
  for (const key of Object.keys(next)) {
    if (JSON.stringify(prev[key]) !== JSON.stringify(next[key])) changes[key] = next[key];
  }
  for (const key of Object.keys(prev)) if (!(key in next)) changes[key] = null;
  return changes;
}

/**
 * The outbox messages of one committed command: each event as `{Aggregate}{Type}`, and one
 * lifecycle event (`Created`, `Updated` or `Deleted`). Ids derive from the event ids, so a message
 * published twice carries the same id.
 */
export function domainMessages(
  def: AggregateDef,
  aggregateId: string,
  stored: readonly StoredEvent[],
  before: { readonly version: number; readonly state: unknown },
  after: unknown,
): OutboxMessage[] {
  const mode = def.options.publish ?? "all";
  const last = stored[stored.length - 1];
  if (mode === "none" || last === undefined) return [];
  // The outbox row says how to publish it, so that any relay (in any process) does it right.
  const headers = def.options.durable === true ? { headers: { [DURABLE_MARK]: "1" } } : {};
  const messages: OutboxMessage[] = [];
  const at = last.recordedAt.toISOString();
  if (mode === "all" || mode === "events") {
    for (const e of stored) {
      if (e.type === DELETED) continue;
      const payload: EventPayload = {
        eventId: e.id,
        aggregateId,
        version: e.version,
        type: e.type,
        data: e.data,
        at,
      };
      messages.push({ id: e.id, name: `${def.pascal}${pascalCase(e.type)}`, payload, ...headers });
    }
  }
  if (mode === "all" || mode === "lifecycle") {
    const base = { aggregateId, version: last.version, at };
    if (last.type === DELETED) {
      messages.push({
        id: `${last.id}:deleted`,
        name: def.deleted.name,
        payload: { eventId: `${last.id}:deleted`, ...base },
        ...headers,
      });
    } else if (before.version === 0) {
      const eventId = `${last.id}:created`;
      const payload = { eventId, ...base, changes: after };
      messages.push({ id: eventId, name: def.created.name, payload, ...headers });
    } else {
      const eventId = `${last.id}:updated`;
      const changes = changedFields(before.state, after);
      messages.push({
        id: eventId,
        name: def.updated.name,
        payload: { eventId, ...base, changes },
        ...headers,
      });
    }
  }
  return messages;
}
