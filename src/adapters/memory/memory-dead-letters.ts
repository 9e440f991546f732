import {
  DEAD_LETTER_ROOT,
  type DeadLetter,
  type DeadLetterQuery,
  type DeadLetterStore,
  deadLetterOf,
  ofService,
  type StoredDeadLetter,
} from "../../core/dead-letter-store.js";
import type { MemoryStreams, Stored } from "./memory-streams.js";

const prefix = `${DEAD_LETTER_ROOT}.`;

/** The dead letters of a memory bus: the messages of its log on `tessera.dlq.>`, ids `mem-<seq>`. */
export class MemoryDeadLetters implements DeadLetterStore {
  constructor(private readonly streams: MemoryStreams) {}

  private letter(m: Stored): DeadLetter {
    return deadLetterOf(`mem-${m.seq}`, m.subject, m.headers, new Date(m.at));
  }

  private find(id: string): Stored | undefined {
    const seq = /^mem-(\d+)$/.exec(id)?.[1];
    if (seq === undefined || this.streams.removed.has(Number(seq))) return undefined;
    const m = this.streams.log.find((s) => s.seq === Number(seq));
    return m?.subject.startsWith(prefix) ? m : undefined;
  }

  async list(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const limit = query.limit ?? 100;
    const out: DeadLetter[] = [];
    for (const m of this.streams.log) {
      if (out.length >= limit) break;
      if (!m.subject.startsWith(prefix) || this.streams.removed.has(m.seq)) continue;
      if (ofService(m.subject, query.service)) out.push(this.letter(m));
    }
    return out;
  }

  async get(id: string): Promise<StoredDeadLetter | undefined> {
    const m = this.find(id);
    return m === undefined
      ? undefined
      : { letter: this.letter(m), data: m.data.slice(), headers: { ...m.headers } };
  }

  async remove(id: string): Promise<boolean> {
    const m = this.find(id);
    if (m === undefined) return false;
    this.streams.removed.add(m.seq);
    return true;
  }
}
