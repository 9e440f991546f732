import type { JournalEntry } from "../../ports/flow-store.js";
import { NonDeterminism } from "./flow-errors.js";

const noJournal: ReadonlyMap<number, JournalEntry> = new Map();

/** What a replay would read back: the JSON form (finite numbers, strings and booleans are their own). */
export function jsonForm<T>(v: T): T {
  if (v === undefined || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number" && Number.isFinite(v)) return v;
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * The journal of one run as its code replays it: the entries recorded by earlier executions, by
 * sequence number, and the new ones waiting for the next write. Each effect the code asks for takes
 * the next number; a recorded entry of another kind or name at that number means that the code
 * changed under the run.
 */
export class ReplayJournal {
  private seq = 0;
  private pending: JournalEntry[] = [];
  private readonly recorded: ReadonlyMap<number, JournalEntry>;
  /** The signals that waits of this run took already. */
  readonly consumed = new Set<number>();

  constructor(
    entries: readonly JournalEntry[],
    private readonly flow: string,
    private readonly runVersion: string,
    private readonly clock: { now(): number },
  ) {
    this.recorded = entries.length === 0 ? noJournal : new Map(entries.map((e) => [e.seq, e]));
    for (const e of entries) {
      const id = (e.value as { signalId?: number } | undefined)?.signalId;
      if (e.kind === "wait" && typeof id === "number") this.consumed.add(id);
    }
  }

  /** The number of the code's next effect. */
  next(): number {
    return ++this.seq;
  }

  /** The recorded entry of `seq`, checked against what the code asks for now. */
  replayed(seq: number, kind: string, name: string): JournalEntry | undefined {
    const rec = this.recorded.get(seq);
    if (rec !== undefined && (rec.kind !== kind || rec.name !== name)) {
      throw new NonDeterminism(
        `flow ${this.flow}: effect ${seq} is ${kind} "${name}" in the code but ${rec.kind} "${rec.name}" in the journal`,
        { seq, code: `${kind} ${name}`, journal: `${rec.kind} ${rec.name}`, runVersion: this.runVersion },
      );
    }
    return rec;
  }

  /** The recorded entry of `seq`, unchecked (a compensation, the callback). */
  get(seq: number): JournalEntry | undefined {
    return this.recorded.get(seq);
  }

  /** The numbers recorded beyond the code's last effect: the code now ends earlier than it did. */
  beyond(): number[] {
    return [...this.recorded.keys()].filter((s) => s > this.seq);
  }

  entry(seq: number, kind: string, name: string, state: JournalEntry["state"], value: unknown): JournalEntry {
    return { seq, kind, name, state, value, at: this.clock.now() };
  }

  /** Keeps a new entry for the next write. */
  add(entry: JournalEntry): void {
    this.pending.push(entry);
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** The entries kept for the next write, handed over once. */
  takePending(): JournalEntry[] {
    const p = this.pending;
    this.pending = [];
    return p;
  }
}
