import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { brokerFailure } from "../../core/broker-failure.js";
import {
  DEAD_LETTER_ROOT,
  type DeadLetter,
  type DeadLetterQuery,
  type DeadLetterStore,
  deadLetterOf,
  ofService,
  type StoredDeadLetter,
} from "../../core/dead-letter-store.js";
import type { Headers } from "../../core/transport-message.js";
import { streamOf } from "./stream-names.js";
import type { SubjectSpace } from "./subject-space.js";

type Msg = NonNullable<Awaited<ReturnType<JetStreamManager["streams"]["getMessage"]>>>;

function headersOf(m: Msg): Headers {
  const out: Record<string, string> = {};
  if (m.header !== undefined)
    for (const [key, values] of m.header)
      if (values[0] !== undefined && key !== "Nats-Msg-Id") out[key] = values[0];
  return out;
}

/**
 * The dead letters on JetStream: the messages of the `tessera.dlq.<service>` streams, ids
 * `<stream>:<seq>`. Only those streams are read or changed: an id naming another stream is unknown.
 */
export class JetStreamDeadLetters implements DeadLetterStore {
  private jsm: Promise<JetStreamManager> | undefined;
  /** Every dead-letter stream's name starts so (`…TESSERA_tessera_dlq_`). */
  private readonly names: string;

  constructor(
    private readonly nc: NatsConnection,
    streamPrefix: string,
    private readonly space: SubjectSpace,
  ) {
    this.names = streamOf(`${DEAD_LETTER_ROOT}.x`, streamPrefix).name.slice(0, -1);
  }

  private manager(): Promise<JetStreamManager> {
    this.jsm ??= jetstreamManager(this.nc).catch((cause: unknown) => {
      this.jsm = undefined;
      throw brokerFailure("JetStream is not enabled on the NATS server, or not answering", cause);
    });
    return this.jsm;
  }

  private async streams(jsm: JetStreamManager, service: string | undefined): Promise<string[]> {
    const subject = this.space.out(
      service === undefined ? `${DEAD_LETTER_ROOT}.>` : `${DEAD_LETTER_ROOT}.${service}.>`,
    );
    const names: string[] = [];
    for await (const name of jsm.streams.names(subject)) if (name.startsWith(this.names)) names.push(name);
    return names.sort();
  }

  private async message(jsm: JetStreamManager, stream: string, seq: number): Promise<Msg | undefined> {
    try {
      return (await jsm.streams.getMessage(stream, { seq })) ?? undefined;
    } catch {
      // Deleted (or never there): JetStream answers "no message found".
      return undefined;
    }
  }

  private letter(stream: string, m: Msg): StoredDeadLetter {
    const headers = headersOf(m);
    const letter = deadLetterOf(`${stream}:${m.seq}`, this.space.in(m.subject), headers, m.time);
    return { letter, data: m.data, headers };
  }

  async list(query: DeadLetterQuery = {}): Promise<DeadLetter[]> {
    const limit = query.limit ?? 100;
    const out: DeadLetter[] = [];
    try {
      const jsm = await this.manager();
      for (const stream of await this.streams(jsm, query.service)) {
        const { state } = await jsm.streams.info(stream);
        for (let seq = state.first_seq; seq <= state.last_seq && out.length < limit; seq++) {
          const m = await this.message(jsm, stream, seq);
          if (m === undefined) continue;
          const { letter } = this.letter(stream, m);
          if (ofService(letter.deadLetterSubject, query.service)) out.push(letter);
        }
        if (out.length >= limit) break;
      }
    } catch (cause) {
      throw brokerFailure("JetStream did not list the dead letters", cause);
    }
    return out;
  }

  /** The stream and sequence an id names, when it names a dead-letter stream. */
  private parse(id: string): { stream: string; seq: number } | undefined {
    const at = id.lastIndexOf(":");
    const stream = id.slice(0, at);
    const seq = Number(id.slice(at + 1));
    if (at <= 0 || !stream.startsWith(this.names) || !Number.isSafeInteger(seq) || seq <= 0) return undefined;
    return { stream, seq };
  }

  async get(id: string): Promise<StoredDeadLetter | undefined> {
    const where = this.parse(id);
    if (where === undefined) return undefined;
    const m = await this.message(await this.manager(), where.stream, where.seq);
    return m === undefined ? undefined : this.letter(where.stream, m);
  }

  async remove(id: string): Promise<boolean> {
    const where = this.parse(id);
    if (where === undefined) return false;
    try {
      return await (await this.manager()).streams.deleteMessage(where.stream, where.seq, false);
    } catch {
      return false;
    }
  }
}
