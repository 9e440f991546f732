import type { RecordedEvent } from "../../ports/event-store.js";

/** A row of the events table. */
export interface EventRow {
  readonly position: number;
  readonly id: string;
  readonly stream: string;
  readonly version: number;
  readonly type: string;
  readonly data: string;
  readonly schema: number;
  readonly metadata: string;
  readonly recorded_at: number;
}

export function eventOfRow(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    stream: row.stream,
    version: row.version,
    position: row.position,
    type: row.type,
    data: JSON.parse(row.data) as unknown,
    schema: row.schema,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    recordedAt: new Date(row.recorded_at),
  };
}

/** The JSON text of a column (`undefined` is stored as `null`). */
export const json = (value: unknown): string => JSON.stringify(value ?? null);

/** The smallest string greater than every string that starts with `prefix` (for range scans). */
export function prefixEnd(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}
