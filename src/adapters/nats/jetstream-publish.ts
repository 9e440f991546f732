import { randomUUID } from "node:crypto";
import { JetStreamApiError, type JetStreamClient, type PubAck } from "@nats-io/jetstream";
import { errors, type MsgHdrs } from "@nats-io/transport-node";
import { TesseraError } from "../../core/errors.js";

/** What the JetStream parts need of the transport's connection state. */
export interface NatsLink {
  /** Throws a broker failure when the connection cannot be used now (closed, or lost). */
  ready(): unknown;
  /** True while the connection is lost and the client reconnects: a publication may wait for it. */
  reconnecting(): boolean;
}

export interface DurablePublication {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers?: MsgHdrs | undefined;
  /** JetStream's deduplication id: with one, a publication whose fate is unknown may be sent again. */
  readonly msgID?: string | undefined;
}

/**
 * The start of the ids the transport gives publications that have none (every publication carries
 * one, so that one left without an answer can be sent again safely). Consumers never see them:
 * a delivered message's id is the publisher's own or none.
 */
const OWN_ID = "tessera.own.";

/** A deduplication id for a publication: the publisher's, or a new one of the transport's. */
export function publicationId(given: string | undefined): string {
  return given ?? `${OWN_ID}${randomUUID()}`;
}

/** The publisher's id of a delivered message (none when the transport gave it its id). */
export function publisherId(msgId: string | undefined): string | undefined {
  return msgId === undefined || msgId === "" || msgId.startsWith(OWN_ID) ? undefined : msgId;
}

/** Longest wait for one acknowledgement when the publication can be sent again (it has an id). */
const ATTEMPT_MS = 2000;
/** Pauses between attempts: a refused one costs the server little, and the stream's new leader is used within 250 ms. */
const PAUSES = [50, 100, 250];

/**
 * The default timeout of a durable publication. A stream's followers wait 4 to 9 s without their
 * leader before one campaigns (nats-server's raft: minElectionTimeout..maxElectionTimeout), then
 * up to 0.8 s more: 15 s covers a whole election and the answer.
 */
export const PUBLISH_TIMEOUT_MS = 15_000;

/** The error or one of its causes: nats.js reports "no responders" as a JetStreamNotEnabled caused by it. */
function someCause(err: unknown, test: (e: unknown) => boolean): boolean {
  for (let e = err, depth = 0; e !== undefined && depth < 5; e = (e as Error).cause, depth++)
    if (test(e)) return true;
  return false;
}

/** Nothing was stored: nobody took the message (the stream has no leader) or it was never sent. */
function notStored(err: unknown): boolean {
  const noResponders = (e: unknown) =>
    e instanceof errors.NoRespondersError || (e instanceof errors.RequestError && e.isNoResponders());
  if (someCause(err, noResponders)) return true;
  // JetStream answered that it is unavailable (e.g. the stream's group lost its quorum).
  return err instanceof JetStreamApiError && err.status === 503;
}

/** No answer: the message may or may not be stored. */
function unknownFate(err: unknown): boolean {
  return err instanceof errors.TimeoutError || (err instanceof errors.RequestError && !err.isNoResponders());
}

/** Known not to be stored: JetStream answered (a refusal, or that it is unavailable), or nats.js never sent it. */
function knownNotStored(err: unknown): boolean {
  return (
    notStored(err) ||
    err instanceof JetStreamApiError ||
    err instanceof errors.InvalidArgumentError ||
    err instanceof errors.InvalidSubjectError
  );
}

/**
 * A durable publication that failed, with what is known of its fate: `mayBeStored` when one of its
 * attempts was left without an answer (JetStream may have stored it and its acknowledgement was
 * lost), else it is known not to be stored. Its message is the last failure's, its cause that one.
 */
export class PublicationFailed extends Error {
  override readonly name = "PublicationFailed";

  constructor(
    /** An attempt had no answer: the message may have been stored (and then it is delivered). */
    readonly mayBeStored: boolean,
    /** How long the publication was tried (its timeout). */
    readonly timeoutMs: number,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** The promise's value, or false when it takes longer than `ms`. */
async function within(p: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Publishes to a stream, sending again within `timeoutMs` while a leader election makes the stream
 * unreachable (issue 15: every emit failed for the 6.5 s of an election). A publication JetStream
 * did not take (no responders, JetStream unavailable) is sent again, one made while the client
 * reconnects is sent once it has, and one left without an answer only when it has an id (JetStream
 * drops the copy); without one it may have been stored, and sending it again could store it twice.
 * It fails with {@link PublicationFailed}: the last failure, and whether an attempt was left without
 * an answer (then the message may have been stored); {@link publicationFailure} says so to the caller.
 * `recreate`, called once after the first publication nobody took, tells whether the stream was
 * missing on the server and is there again (then the publication is sent again at once).
 */
export async function publishWithRetry(
  js: JetStreamClient,
  pub: DurablePublication,
  timeoutMs: number,
  link: NatsLink,
  recreate?: () => Promise<boolean>,
): Promise<PubAck> {
  const until = Date.now() + timeoutMs;
  let checked = recreate === undefined;
  let unanswered = false;
  const failed = (err: unknown) => new PublicationFailed(unanswered, timeoutMs, err);
  for (let attempt = 0; ; attempt++) {
    const left = until - Date.now();
    const pause = PAUSES[Math.min(attempt, PAUSES.length - 1)] ?? 250;
    try {
      link.ready();
    } catch (err) {
      if (!link.reconnecting() || Date.now() + pause >= until) throw failed(err);
      await new Promise((r) => setTimeout(r, pause));
      continue;
    }
    try {
      return await js.publish(pub.subject, pub.data, {
        ...(pub.msgID === undefined ? {} : { msgID: pub.msgID }),
        ...(pub.headers === undefined ? {} : { headers: pub.headers }),
        timeout: Math.max(1, pub.msgID === undefined ? left : Math.min(left, ATTEMPT_MS)),
      });
    } catch (err) {
      if (!knownNotStored(err)) unanswered = true;
      if (!checked && notStored(err)) {
        checked = true;
        // The check asks the stream's info, which has no answer while no leader is elected: it is
        // waited for one attempt's time at most, then goes on in the background (issue 15: every
        // emit in flight waited out its whole timeout on it after a kill of the stream's leader).
        if (await within(recreate?.() ?? Promise.resolve(false), Math.min(left, ATTEMPT_MS))) continue;
      }
      const again = notStored(err) || (pub.msgID !== undefined && unknownFate(err));
      if (!again || Date.now() + pause >= until) throw failed(err);
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

/** What a failed publication was, for its message: `the message on tessera.evt.order.placed`. */
export interface FailedPublication {
  readonly what: string;
  /** The advice when it may have been stored, e.g. that sending it again with the same id is safe. */
  readonly ifUnknown?: string;
}

/**
 * The broker failure (`TESSERA_UNAVAILABLE`, `details.reason: "broker"`) of a publication that
 * failed, saying what is known (issue 15 verification: 1,837 emits answered "JetStream did not
 * store the message" were stored and delivered, their acknowledgements lost): without an answer
 * within the timeout it may have been stored (`details.maybeStored: true`); else it was not.
 */
export function publicationFailure(err: unknown, pub: FailedPublication): TesseraError {
  const failed = err instanceof PublicationFailed ? err : undefined;
  const cause = failed?.cause ?? err;
  const reason = cause instanceof Error ? cause.message : String(cause);
  const maybeStored = failed?.mayBeStored ?? false;
  let message: string;
  if (maybeStored) {
    const seconds = Math.round((failed?.timeoutMs ?? PUBLISH_TIMEOUT_MS) / 100) / 10;
    message = `JetStream did not acknowledge ${pub.what} within ${seconds} s: it may have been stored (and then it is delivered)${pub.ifUnknown === undefined ? "" : `; ${pub.ifUnknown}`}`;
  } else if (cause instanceof JetStreamApiError && !notStored(cause)) {
    message = `JetStream refused ${pub.what}: ${reason}`;
  } else if (notStored(cause)) {
    message = `JetStream did not store ${pub.what}: no server took it (the stream has no leader, or JetStream is unavailable); nothing was stored`;
  } else {
    message = `JetStream did not store ${pub.what}: ${reason}`;
  }
  return new TesseraError("TESSERA_UNAVAILABLE", message, {
    details: { reason: "broker", maybeStored },
    cause: err,
  });
}
