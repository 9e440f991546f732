import type {
  CommitResult,
  FlowStore,
  JournalEntry,
  NewRun,
  RunRecord,
  RunUpdate,
} from "../../ports/flow-store.js";
import { Interrupted } from "./flow-errors.js";
import type { RunLease } from "./run-lease.js";

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: unknown): void;
}

interface PendingWrite {
  entries: JournalEntry[];
  update: RunUpdate | undefined;
  waiters: Waiter<void>[];
}

export interface GroupCommitOptions {
  readonly store: FlowStore;
  readonly owner: string;
  readonly leaseMs: number;
  readonly now: () => number;
  /** Batches committing at once (1 keeps one transaction in flight; more overlap round trips). */
  readonly maxInFlight: number;
  readonly maxBatch: number;
  /** Told of held runs whose cancellation was requested. */
  readonly onCancelled: (runIds: readonly string[]) => void;
  /**
   * This worker's lease on a run it executes: a write is refused at once when the lease may be gone,
   * and fenced by its token in the store (issue 19).
   */
  readonly lease?: (runId: string) => RunLease | undefined;
}

/**
 * Group commit: the journal writes of every run of this worker that arrive while a transaction is
 * being committed are queued and committed together in the next one. Each writer resumes only once
 * its own writes are durable, so the guarantee is the same as one transaction per write, for one
 * fsync per batch instead of one per step.
 */
export class GroupCommit {
  private creates: { run: NewRun; waiter: Waiter<{ run: RunRecord; created: boolean }> }[] = [];
  private writes = new Map<string, PendingWrite>();
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly o: GroupCommitOptions) {}

  /** Creates a run (durably) in the next batch. */
  create(run: NewRun): Promise<{ run: RunRecord; created: boolean }> {
    return new Promise((resolve, reject) => {
      this.creates.push({ run, waiter: { resolve, reject } });
      this.kick();
    });
  }

  /** Appends entries to a held run and optionally updates it; rejects with `Interrupted` if the run is no longer held. */
  write(runId: string, entries: readonly JournalEntry[], update?: RunUpdate): Promise<void> {
    const refused = this.refusal(runId);
    if (refused !== undefined) return Promise.reject(refused);
    return new Promise((resolve, reject) => {
      let w = this.writes.get(runId);
      if (w === undefined) {
        w = { entries: [], update: undefined, waiters: [] };
        this.writes.set(runId, w);
      }
      for (const e of entries) w.entries.push(e);
      if (update !== undefined) w.update = update;
      w.waiters.push({ resolve, reject });
      this.kick();
    });
  }

  /** Resolves once everything queued so far is committed. */
  async drain(): Promise<void> {
    while (this.inFlight > 0 || this.scheduled || this.creates.length > 0 || this.writes.size > 0) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** `Interrupted` when this worker's lease on the run may be gone: it writes nothing more of it. */
  private refusal(runId: string): Interrupted | undefined {
    const lease = this.o.lease?.(runId);
    if (lease === undefined || lease.held) return undefined;
    return new Interrupted(`run ${runId}: this worker's lease may have expired: nothing more is written`);
  }

  private kick(): void {
    if (this.scheduled || this.inFlight >= this.o.maxInFlight) return;
    this.scheduled = true;
    // setImmediate rather than a microtask: every run that resumes in this turn joins the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.creates.length === 0 && this.writes.size === 0) return;
    const creates = this.creates.splice(0, this.o.maxBatch);
    const writes = new Map<string, PendingWrite>();
    for (const [id, w] of this.writes) {
      if (writes.size >= this.o.maxBatch) break;
      this.writes.delete(id);
      const refused = this.refusal(id);
      if (refused === undefined) writes.set(id, w);
      else for (const x of w.waiters) x.reject(refused);
    }
    if (creates.length === 0 && writes.size === 0) {
      if (this.creates.length > 0 || this.writes.size > 0) this.kick();
      return;
    }
    this.inFlight++;
    let result: CommitResult | undefined;
    let failure: unknown;
    try {
      result = await this.o.store.commit({
        owner: this.o.owner,
        now: this.o.now(),
        leaseMs: this.o.leaseMs,
        creates: creates.map((c) => c.run),
        writes: [...writes].map(([runId, w]) => ({
          runId,
          entries: w.entries,
          update: w.update,
          fencingToken: this.o.lease?.(runId)?.fencingToken,
        })),
      });
    } catch (err) {
      failure = err;
    }
    this.inFlight--;
    if (result === undefined) {
      for (const c of creates) c.waiter.reject(failure);
      const why = new Interrupted("the flow store failed to commit", { cause: failure });
      for (const w of writes.values()) for (const x of w.waiters) x.reject(why);
    } else {
      for (const c of creates) c.waiter.resolve(result.created.get(c.run.id)!);
      const lost = new Set(result.lost);
      for (const [id, w] of writes) {
        for (const x of w.waiters) {
          if (lost.has(id)) x.reject(new Interrupted(`run ${id} is no longer held by this worker`));
          else x.resolve();
        }
      }
      if (result.cancelled.length > 0) this.o.onCancelled(result.cancelled);
    }
    if (this.creates.length > 0 || this.writes.size > 0) this.kick();
  }
}
