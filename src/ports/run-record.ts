import type { NewRun, RunRecord, RunStatus } from "./flow-store.js";
import { parseJsonColumn } from "./json-column.js";

/**
 * A row of the runs table as the SQL drivers return it: SQLite gives integers as numbers and flags
 * as 0/1, PostgreSQL gives `bigint` as strings and flags as booleans.
 */
export interface RunRow {
  readonly id: string;
  readonly flow: string;
  readonly version: string;
  readonly status: RunStatus;
  readonly input: string | null;
  readonly output: string | null;
  readonly error: string | null;
  readonly idempotency_key: string | null;
  readonly callback_url: string | null;
  readonly created_at: number | string;
  readonly updated_at: number | string;
  readonly due_at: number | string | null;
  readonly owner: string | null;
  readonly lease_until: number | string | null;
  readonly waiting_for: string | null;
  readonly cancel_requested: boolean | number;
  readonly signal_count: number;
  /** JSON of the run's {@link RunOrigin}; absent in rows of stores not migrated yet. */
  readonly origin?: string | null;
  /** PostgreSQL gives `bigint` as a string. Absent in rows of stores not migrated yet. */
  readonly fencing_token?: number | string;
  readonly takeovers?: number;
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);
const num = (v: number | string | null): number | undefined => (v === null ? undefined : Number(v));

/** The run a row of the runs table holds. */
export function runRecordOf(r: RunRow): RunRecord {
  return {
    id: r.id,
    flow: r.flow,
    version: r.version,
    status: r.status,
    input: parseJsonColumn(r.input),
    output: parseJsonColumn(r.output),
    error: parseJsonColumn(r.error) as RunRecord["error"],
    idempotencyKey: opt(r.idempotency_key),
    callbackUrl: opt(r.callback_url),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    dueAt: num(r.due_at),
    owner: opt(r.owner),
    leaseUntil: num(r.lease_until),
    waitingFor: opt(r.waiting_for),
    cancelRequested: r.cancel_requested === true || r.cancel_requested === 1,
    signalCount: r.signal_count,
    origin: r.origin == null ? undefined : (parseJsonColumn(r.origin) as RunRecord["origin"]),
    fencingToken: Number(r.fencing_token ?? 0),
    takeovers: r.takeovers ?? 0,
  };
}

/**
 * The record of a run a commit created, without reading it back: queued, or running and leased
 * until `now + leaseMs` when created for a worker. Its input is a copy, as a store gives back.
 *
 * @example
 * newRunRecord({ id, flow: "greet", version: "1", input: { name: "Ada" } }, Date.now(), 30_000)
 */
export function newRunRecord(n: NewRun, now: number, leaseMs: number): RunRecord {
  return {
    id: n.id,
    flow: n.flow,
    version: n.version,
    status: n.owner === undefined ? "queued" : "running",
    input: n.input === null || typeof n.input !== "object" ? n.input : JSON.parse(JSON.stringify(n.input)),
    output: undefined,
    error: undefined,
    idempotencyKey: n.idempotencyKey,
    callbackUrl: n.callbackUrl,
    createdAt: now,
    updatedAt: now,
    dueAt: now,
    owner: n.owner,
    leaseUntil: n.owner === undefined ? undefined : now + leaseMs,
    waitingFor: undefined,
    cancelRequested: false,
    signalCount: 0,
    origin: n.origin,
    fencingToken: n.owner === undefined ? 0 : 1,
    takeovers: 0,
  };
}
