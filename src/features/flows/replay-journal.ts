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
 * position (where each effect is in the code: see `JournalEntry.position`; an entry of an older
 * journal has its seq as position), and the new ones waiting for the next write. Each effect the
 * code asks for takes the next position of its scope (the flow's own code, or a parallel branch);
 * a recorded entry of another kind or name at that position means that the code changed under the
 * run. A recorded effect keeps its seq; a new one takes the next seq after every recorded one, in
 * the order the code issues them.
 */
export class ReplayJournal {
  private seq = 0;
  private pending: JournalEntry[] = [];
  private readonly recorded: ReadonlyMap<number, JournalEntry>;
  private readonly byPosition: ReadonlyMap<string, JournalEntry>;
  private readonly visited = new Set<string>();
  private readonly positions = new Map<number, string>();
  /** The signals that waits of this run took already. */
  readonly consumed = new Set<number>();

  constructor(
    entries: readonly JournalEntry[],
    private readonly flow: string,
    private readonly runVersion: string,
    private readonly clock: { now(): number },
  ) {
    this.recorded = entries.length === 0 ? noJournal : new Map(entries.map((e) => [e.seq, e]));
    const byPosition = new Map<string, JournalEntry>();
    for (const e of entries) {
      const id = (e.value as { signalId?: number } | undefined)?.signalId;
      if (e.kind === "wait" && typeof id === "number") this.consumed.add(id);
      if (e.seq <= 0) continue;
      byPosition.set(e.position ?? String(e.seq), e);
      if (e.seq > this.seq) this.seq = e.seq;
    }
    this.byPosition = byPosition;
  }

  /** The recorded entry at `position`, checked against what the code asks for now. */
  replayed(position: string, kind: string, name: string): JournalEntry | undefined {
    const rec = this.byPosition.get(position);
    if (rec !== undefined) this.visited.add(position);
    if (rec !== undefined && (rec.kind !== kind || rec.name !== name)) {
      throw new NonDeterminism(
        `flow ${this.flow}: effect ${position} is ${kind} "${name}" in the code but ${rec.kind} "${rec.name}" in the journal`,
        {
          seq: rec.seq,
          position,
          code: `${kind} ${name}`,
          journal: `${rec.kind} ${rec.name}`,
          runVersion: this.runVersion,
        },
      );
    }
    return rec;
  }

  /** The seq of the effect at `position`: its recorded one, else the next (its entries carry the position). */
  seqFor(position: string, rec: JournalEntry | undefined): number {
    const seq = rec?.seq ?? ++this.seq;
    this.positions.set(seq, position);
    return seq;
  }

  /** `replayed` then `seqFor`: the recorded entry (checked) and the seq of the effect at `position`. */
  take(position: string, kind: string, name: string): { seq: number; rec: JournalEntry | undefined } {
    const rec = this.replayed(position, kind, name);
    return { seq: this.seqFor(position, rec), rec };
  }

  /** The recorded entry of `seq`, unchecked (a compensation, the callback). */
  get(seq: number): JournalEntry | undefined {
    return this.recorded.get(seq);
  }

  /** The recorded effects the code did not reach: it now ends earlier than it did. */
  beyond(): number[] {
    const out: number[] = [];
    for (const [p, e] of this.byPosition) if (!this.visited.has(p)) out.push(e.seq);
    return out.sort((a, b) => a - b);
  }

  /** How many recorded effects the code has not reached yet (a replay is under way while it changes). */
  get unvisited(): number {
    return this.byPosition.size - this.visited.size;
  }

  /** A new entry; one of an effect of the code carries its position. */
  entry(seq: number, kind: string, name: string, state: JournalEntry["state"], value: unknown): JournalEntry {
    const position = seq > 0 ? this.positions.get(seq) : undefined;
    const at = this.clock.now();
    return position === undefined
      ? { seq, kind, name, state, value, at }
      : { seq, kind, name, state, value, at, position };
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
