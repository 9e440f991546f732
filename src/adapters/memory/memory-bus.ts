import { subjectMatches } from "../../core/subject-grammar.js";
import type { Headers, TransportMessage } from "../../core/transport-message.js";
import { MemoryStreams } from "./memory-streams.js";

/** A subscriber on the bus: plain, or a member of a queue group. */
export interface BusSubscriber {
  readonly pattern: string;
  readonly queue: string | undefined;
  readonly deliver: (msg: TransportMessage, replyTo: ((reply: TransportMessage) => void) | undefined) => void;
}

/**
 * The shared medium of memory transports: several transports (several nodes in one process) on
 * one bus see each other, like connections to one NATS server.
 */
export class MemoryBus {
  private readonly subscribers = new Set<BusSubscriber>();
  private readonly rotation = new Map<string, number>();
  /** Durable streams, shared by the transports of the bus and kept as long as it lives. */
  readonly streams = new MemoryStreams((subject, data, headers) => this.fanOut(subject, data, headers));

  /** Delivers a publication to its receivers on a later turn, each with its own copy. */
  fanOut(subject: string, data: Uint8Array, headers: Headers | undefined): void {
    for (const r of this.receivers(subject)) {
      const msg: TransportMessage = { subject, data: data.slice(), headers: { ...headers } };
      setImmediate(() => r.deliver(msg, undefined));
    }
  }

  add(sub: BusSubscriber): void {
    this.subscribers.add(sub);
  }

  remove(sub: BusSubscriber): void {
    this.subscribers.delete(sub);
  }

  /**
   * Chooses the receivers of a message: every plain subscriber, and one member (in turn) of each
   * queue group.
   */
  receivers(subject: string): BusSubscriber[] {
    const plain: BusSubscriber[] = [];
    const groups = new Map<string, BusSubscriber[]>();
    for (const sub of this.subscribers) {
      if (!subjectMatches(sub.pattern, subject)) continue;
      if (sub.queue === undefined) {
        plain.push(sub);
        continue;
      }
      const key = `${sub.queue}\u0000${sub.pattern}`;
      const members = groups.get(key);
      if (members) members.push(sub);
      else groups.set(key, [sub]);
    }
    for (const [key, members] of groups) {
      const turn = this.rotation.get(key) ?? 0;
      this.rotation.set(key, turn + 1);
      plain.push(members[turn % members.length]!);
    }
    return plain;
  }
}

/** Creates a bus to share between memory transports. */
export function createMemoryBus(): MemoryBus {
  return new MemoryBus();
}
