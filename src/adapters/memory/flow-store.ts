import {
  activeStatuses,
  type ClaimQuery,
  type CommitBatch,
  type CommitResult,
  type FlowStore,
  type JournalEntry,
  madeProgress,
  type RunQuery,
  type RunRecord,
  retryFrom,
  type SignalRecord,
  terminalStatuses,
} from "../../ports/flow-store.js";
import { newRunRecord } from "../../ports/run-record.js";
import { pruneMemoryRuns } from "./flow-store-prune.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Run = Mutable<RunRecord>;

// Values go through JSON, as in the SQL stores, so that tests see what a real store would give back.
const copy = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));
const active = new Set(activeStatuses);

/**
 * A flow store in process memory, for unit tests and throwaway runs: same contract as the SQLite
 * and PostgreSQL stores, nothing survives the process.
 *
 * @example
 * const engine = createFlowEngine({ store: memoryFlowStore(), flows: [greet] });
 */
export function memoryFlowStore(): FlowStore {
  const runs = new Map<string, Run>();
  const keys = new Map<string, string>();
  const journals = new Map<string, Map<number, JournalEntry>>();
  const signals = new Map<string, SignalRecord[]>();
  let signalId = 0;

  const view = (run: Run): RunRecord => ({ ...run, input: copy(run.input), output: copy(run.output) });
  const holds = (run: Run | undefined, owner: string, now: number): run is Run =>
    run !== undefined && run.owner === owner && (run.leaseUntil ?? 0) >= now && active.has(run.status);

  function deliver(run: Run, name: string, payload: unknown, now: number): void {
    const list = signals.get(run.id) ?? [];
    list.push({ id: ++signalId, name, payload: copy(payload), at: now });
    signals.set(run.id, list);
    run.signalCount++;
    if (run.owner === undefined) run.dueAt = now;
  }

  const store: FlowStore = {
    kind: "memory",
    async migrate() {},

    async commit(batch: CommitBatch): Promise<CommitResult> {
      const { owner, now, leaseMs } = batch;
      const created = new Map<string, { run: RunRecord; created: boolean }>();
      for (const n of batch.creates) {
        const key = n.idempotencyKey === undefined ? undefined : `${n.flow}\u0000${n.idempotencyKey}`;
        const existing = key === undefined ? undefined : runs.get(keys.get(key) ?? "");
        if (existing !== undefined) {
          created.set(n.id, { run: view(existing), created: false });
          continue;
        }
        const run: Run = { ...newRunRecord(n, now, leaseMs), input: copy(n.input) };
        runs.set(run.id, run);
        if (key !== undefined) keys.set(key, run.id);
        created.set(n.id, { run: view(run), created: true });
      }
      const lost: string[] = [];
      const cancelled: string[] = [];
      for (const w of batch.writes) {
        const run = runs.get(w.runId);
        if (
          !holds(run, owner, now) ||
          (w.fencingToken !== undefined && run.fencingToken !== w.fencingToken)
        ) {
          lost.push(w.runId);
          continue;
        }
        if (madeProgress(w)) run.takeovers = 0;
        const journal = journals.get(run.id) ?? new Map<number, JournalEntry>();
        journals.set(run.id, journal);
        for (const e of w.entries) journal.set(e.seq, copy(e));
        run.updatedAt = now;
        run.leaseUntil = now + leaseMs;
        const u = w.update;
        if (u !== undefined) {
          run.status = u.status;
          if (u.output !== undefined) run.output = copy(u.output);
          if (u.error !== undefined) run.error = copy(u.error);
          run.dueAt = u.dueAt;
          run.waitingFor = u.waitingFor;
          if (u.release) {
            run.owner = undefined;
            run.leaseUntil = undefined;
            if (active.has(run.status) && run.signalCount > (u.seenSignals ?? run.signalCount))
              run.dueAt = now;
            if (active.has(run.status) && run.cancelRequested) run.dueAt = now;
          }
        }
        if (run.cancelRequested && run.owner === owner) cancelled.push(run.id);
      }
      return { created, lost, cancelled };
    },

    async claim(q: ClaimQuery): Promise<RunRecord[]> {
      const claimable = (run: Run | undefined): run is Run => {
        if (run === undefined || !active.has(run.status) || !q.flows.includes(run.flow)) return false;
        const free = run.owner === undefined && run.dueAt !== undefined && run.dueAt <= q.now;
        return free || (run.owner !== undefined && (run.leaseUntil ?? 0) < q.now);
      };
      // Oldest due first, as the SQL stores do (a fair order: no run waits behind newer ones).
      const candidates = (q.runId === undefined ? [...runs.values()] : [runs.get(q.runId)])
        .filter(claimable)
        .sort((a, b) => (a.dueAt ?? Infinity) - (b.dueAt ?? Infinity))
        .slice(0, q.limit);
      const out: RunRecord[] = [];
      for (const run of candidates) {
        // A run another worker stopped renewing (it died or froze) is taken over; a worker that
        // takes back its own run was alive enough to claim it.
        if (run.owner !== undefined && run.owner !== q.owner) run.takeovers++;
        run.fencingToken++;
        run.owner = q.owner;
        run.leaseUntil = q.now + q.leaseMs;
        if (run.status !== "compensating") run.status = "running";
        out.push(view(run));
      }
      return out;
    },

    async getRun(id) {
      const run = runs.get(id);
      return run === undefined ? undefined : view(run);
    },

    async findByKey(flow, key) {
      const run = runs.get(keys.get(`${flow}\u0000${key}`) ?? "");
      return run === undefined ? undefined : view(run);
    },

    async listRuns(q: RunQuery) {
      const all = [...runs.values()].filter(
        (r) =>
          (q.flow === undefined || r.flow === q.flow) && (q.status === undefined || r.status === q.status),
      );
      all.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      return all.slice(0, q.limit ?? 100).map(view);
    },

    async journal(runId) {
      return [...(journals.get(runId)?.values() ?? [])].sort((a, b) => a.seq - b.seq).map(copy);
    },

    async signals(runId) {
      return (signals.get(runId) ?? []).map(copy);
    },

    async sendSignal(runId, name, payload, now) {
      const run = runs.get(runId);
      if (run === undefined || !active.has(run.status)) return false;
      deliver(run, name, payload, now);
      return true;
    },

    async signalWaiting(name, payload, now) {
      let n = 0;
      for (const run of runs.values()) {
        if (!active.has(run.status) || !(run.waitingFor ?? "").split(" ").includes(name)) continue;
        deliver(run, name, payload, now);
        n++;
      }
      return n;
    },

    async requestCancel(runId, now) {
      const run = runs.get(runId);
      if (run === undefined) return undefined;
      if (active.has(run.status) && !run.cancelRequested) {
        run.cancelRequested = true;
        run.updatedAt = now;
        if (run.owner === undefined) run.dueAt = now;
      }
      return view(run);
    },

    async retry(runId, version, now) {
      const run = runs.get(runId);
      if (run === undefined) return undefined;
      if (!terminalStatuses.has(run.status) && run.status !== "blocked") return view(run);
      if (run.status === "completed") return view(run);
      const journal = journals.get(runId) ?? new Map<number, JournalEntry>();
      const from = retryFrom(run.status, [...journal.values()]);
      for (const seq of [...journal.keys()]) if (seq <= 0 || seq >= from) journal.delete(seq);
      Object.assign(run, {
        status: "queued",
        version,
        error: undefined,
        output: undefined,
        dueAt: now,
        owner: undefined,
        leaseUntil: undefined,
        waitingFor: undefined,
        cancelRequested: false,
        takeovers: 0,
        updatedAt: now,
      });
      return view(run);
    },

    async renew(owner, held, leaseMs, now) {
      const lost: string[] = [];
      const cancelled: string[] = [];
      for (const { id, fencingToken } of held) {
        const run = runs.get(id);
        if (!holds(run, owner, now) || (fencingToken !== undefined && run.fencingToken !== fencingToken))
          lost.push(id);
        else {
          run.leaseUntil = now + leaseMs;
          if (run.cancelRequested) cancelled.push(id);
        }
      }
      return { created: new Map(), lost, cancelled };
    },

    async releaseAll(owner, now, abandoned = false) {
      let n = 0;
      for (const run of runs.values()) {
        if (run.owner !== owner) continue;
        if (abandoned && active.has(run.status)) run.takeovers++;
        run.owner = undefined;
        run.leaseUntil = undefined;
        if (active.has(run.status)) run.dueAt = Math.min(run.dueAt ?? now, now);
        n++;
      }
      return n;
    },

    async prune(q) {
      return pruneMemoryRuns(q, { runs, keys, journals, signals });
    },

    async close() {},
  };
  return store;
}
