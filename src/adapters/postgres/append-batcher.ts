import type { AppendResult, NewEvent } from "../../ports/event-store.js";
import { versionConflict } from "../../ports/event-store-conflict.js";
import { eventIds, storedEvents } from "../../ports/stored-events.js";
import type { EventStoreSql } from "./event-store-sql.js";
import { type Queryable, uniqueViolation } from "./event-store-tx.js";

interface Pending {
  readonly stream: string;
  readonly expected: number;
  readonly events: readonly NewEvent[];
  readonly ids: readonly string[];
  resolve(result: AppendResult): void;
  reject(err: unknown): void;
}

const json = (value: unknown) => JSON.stringify(value ?? null);

/**
 * Group commit of appends with an expected version: appends made while others are in flight wait
 * and leave together, in one statement, so that one commit (one WAL flush) serves many commands.
 * Each append keeps its own version check: the streams whose check fails get their conflict, the
 * others commit. A stream is never in two statements at once (so a process never deadlocks with
 * itself); a group that fails (a deadlock with another process, a bad event) is sent again one
 * append at a time.
 */
export class AppendBatcher {
  private readonly queue: Pending[] = [];
  private readonly busy = new Set<string>();
  private inFlight = 0;

  constructor(
    private readonly db: Queryable,
    private readonly sql: EventStoreSql,
    /** Statements in flight at once (keep it under the pool size). */
    private readonly concurrency: number,
    private readonly maxBatch = 500,
    /** The one-append path, for a group that must be split. */
    private readonly single: (
      stream: string,
      events: readonly NewEvent[],
      expected: number,
    ) => Promise<AppendResult>,
  ) {}

  append(stream: string, events: readonly NewEvent[], expected: number): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      const ids = eventIds(events);
      this.queue.push({ stream, expected, events, ids, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const batch: Pending[] = [];
      const streams = new Set<string>();
      for (let i = 0; i < this.queue.length && batch.length < this.maxBatch; ) {
        const p = this.queue[i]!;
        if (this.busy.has(p.stream) || streams.has(p.stream)) {
          i++;
          continue;
        }
        streams.add(p.stream);
        batch.push(p);
        this.queue.splice(i, 1);
      }
      if (batch.length === 0) return;
      for (const s of streams) this.busy.add(s);
      this.inFlight++;
      this.run(batch).finally(() => {
        this.inFlight--;
        for (const s of streams) this.busy.delete(s);
        this.pump();
      });
    }
  }

  private async run(batch: readonly Pending[]): Promise<void> {
    try {
      const results = await this.send(batch);
      const failed = batch.filter((p) => !results.has(p.stream));
      const current = failed.length === 0 ? new Map<string, number>() : await this.versions(failed);
      for (const p of batch) {
        const r = results.get(p.stream);
        if (r === undefined) p.reject(versionConflict(p.stream, p.expected, current.get(p.stream) ?? 0));
        else p.resolve(this.result(p, r.version, r.recordedAt));
      }
    } catch (err) {
      // A deadlock with another process, or one bad append: each goes alone, and only its own
      // failure is its answer.
      if (batch.length > 1) {
        for (const p of batch) this.single(p.stream, withIds(p), p.expected).then(p.resolve, p.reject);
      } else {
        for (const p of batch) p.reject(uniqueViolation(err, p.stream) ?? err);
      }
    }
  }

  private async send(batch: readonly Pending[]): Promise<Map<string, { version: number; recordedAt: Date }>> {
    const ev: unknown[][] = [[], [], [], [], [], [], []];
    for (const p of batch) {
      p.events.forEach((e, i) => {
        ev[0]!.push(p.stream);
        ev[1]!.push(p.ids[i]);
        ev[2]!.push(i + 1);
        ev[3]!.push(e.type);
        ev[4]!.push(json(e.data));
        ev[5]!.push(e.schema ?? 1);
        ev[6]!.push(json(e.metadata ?? {}));
      });
    }
    const { rows } = await this.db.query<{ stream: string; version: string; recorded_at: Date }>(
      this.sql.appendGroup,
      [batch.map((p) => p.stream), batch.map((p) => p.expected), batch.map((p) => p.events.length), ...ev],
    );
    return new Map(rows.map((r) => [r.stream, { version: Number(r.version), recordedAt: r.recorded_at }]));
  }

  private async versions(failed: readonly Pending[]): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ stream: string; version: string }>(this.sql.versions, [
      failed.map((p) => p.stream),
    ]);
    return new Map(rows.map((r) => [r.stream, Number(r.version)]));
  }

  private result(p: Pending, last: number, recordedAt: Date): AppendResult {
    const events = storedEvents(p.stream, p.events, last - p.events.length, recordedAt, p.ids);
    return { stream: p.stream, version: last, events };
  }
}

function withIds(p: Pending): NewEvent[] {
  return p.events.map((e, i) => ({ ...e, id: p.ids[i]! }));
}
