// How a node serves an idempotent entry (issue 17, bug 4): a saga's remote step sent again after a
// crash, or a client's retry after a lost answer, carries the key of the first call; the handler ran
// for that key already, so the node answers with what it answered then, from its inbox.
import type { CallMeta, Invoke } from "./call-meta.js";
import type { Codec } from "./codec.js";
import type { ErrorCode } from "./error-codes.js";
import { TesseraError } from "./errors.js";
import type { EntryInbox, InboxClaim } from "./inbox.js";
import { inputFingerprint } from "./input-fingerprint.js";
import type { Logger } from "./logger.js";
import type { ReadinessCheck } from "./readiness-probe.js";
import type { ServiceDef } from "./service.js";
import type { WireReply } from "./transport-message.js";
import { utf8 } from "./utf8.js";
import { errorReplyOf, okReply, readReply } from "./wire-reply.js";

/** How long the answers of idempotent calls are kept by default: 24 hours (like Stripe's keys). */
export const DEFAULT_INBOX_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface InboxServing {
  readonly inbox: EntryInbox;
  readonly codec: Codec;
  readonly logger: Logger;
  /** How long a first answer is kept; a key used again after that runs the handler again. */
  readonly retentionMs: number;
  /** The lock of a call without a deadline (ms); else until its deadline plus a grace. Default 30 000. */
  readonly lockMs?: number;
}

/**
 * Refusals that the handler gives the same way every time: kept as the first answer. Anything else
 * (an internal error, a timeout, an unavailable store, an optimistic-concurrency conflict) leaves no
 * trace, so that a retry with the same key runs the handler again.
 */
const kept: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "TESSERA_BAD_REQUEST",
  "TESSERA_VALIDATION",
  "TESSERA_NOT_FOUND",
  "TESSERA_FORBIDDEN",
  "TESSERA_UNAUTHORIZED",
]);

const graceMs = 5000;
const decoder = new TextDecoder();

/** A stored answer: the length of its headers' JSON (4 bytes), that JSON, then the payload. */
function pack(reply: WireReply): Uint8Array {
  const head = utf8(JSON.stringify(reply.headers ?? {}));
  const out = new Uint8Array(4 + head.length + reply.data.length);
  new DataView(out.buffer).setUint32(0, head.length);
  out.set(head, 4);
  out.set(reply.data, 4 + head.length);
  return out;
}

function unpack(codec: Codec, data: Uint8Array): unknown {
  const n = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0);
  const headers = JSON.parse(decoder.decode(data.subarray(4, 4 + n))) as Record<string, string>;
  return readReply(codec, { subject: "", headers, data: data.subarray(4 + n) });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wraps the serving pipeline of an idempotent entry: a call with an `idempotencyKey` claims it in
 * the inbox and runs the handler, and its answer (a result, or a refusal of {@link kept}) is stored;
 * a repeat with the same input gets that answer, a repeat with another input `TESSERA_CONFLICT`. A
 * repeat that comes while the first still runs waits for its answer (polling the inbox, 10 ms
 * doubling to 500 ms) until its own deadline, then `TESSERA_IN_PROGRESS` (409, retryable). A call
 * without a key runs as it would without the inbox.
 */
export function withInbox(target: string, serve: Invoke, s: InboxServing): Invoke {
  const { inbox, codec, logger, retentionMs } = s;
  let nextPurge = 0;
  const purge = (now: number) => {
    if (now < nextPurge) return;
    nextPurge = now + Math.min(60_000, Math.max(1000, retentionMs / 10));
    inbox
      .purge(now - retentionMs)
      .catch((err: unknown) => logger.warn("inbox purge failed", { err, store: inbox.kind }));
  };

  const claim = async (key: string, fp: string, meta: CallMeta): Promise<InboxClaim> => {
    const deadline = meta.deadline;
    for (let wait = 10; ; wait = Math.min(wait * 2, 500)) {
      const now = Date.now();
      const lockMs = deadline === undefined ? (s.lockMs ?? 30_000) : Math.max(0, deadline - now) + graceMs;
      let c: InboxClaim;
      try {
        c = await inbox.claim(target, key, fp, now, lockMs);
      } catch (cause) {
        throw new TesseraError("TESSERA_UNAVAILABLE", `${target}: the inbox of idempotent calls failed`, {
          cause,
        });
      }
      if (c.kind !== "busy") return c;
      if (c.fingerprint !== fp) return c;
      if (deadline !== undefined && Date.now() + wait >= deadline)
        throw new TesseraError(
          "TESSERA_IN_PROGRESS",
          `${target}: a call with idempotency key ${key} is still in progress`,
          { details: { idempotencyKey: key } },
        );
      await sleep(wait);
    }
  };

  const store = (key: string, ok: boolean, reply: WireReply): Promise<void> =>
    inbox.complete(target, key, ok, pack(reply), Date.now()).catch((err: unknown) => {
      // The answer stands; a repeat after the lock runs out would run the handler again.
      logger.error(`${target}: could not store the answer of idempotency key ${key}`, { err });
    });

  const once = async (input: unknown, meta: CallMeta, key: string): Promise<unknown> => {
    // Of the input as given, without encoding it: whatever the entry accepts without a key, it
    // accepts with one (its validation runs in `serve`, as it does without a key).
    const fp = inputFingerprint(input);
    purge(Date.now());
    const c = await claim(key, fp, meta);
    if (c.kind !== "claimed" && c.fingerprint !== fp)
      throw TesseraError.conflict(`${target}: idempotency key ${key} was already used with another input`, {
        idempotencyKey: key,
      });
    if (c.kind === "done") return unpack(codec, c.data);
    let result: unknown;
    try {
      result = await serve(input, meta);
    } catch (err) {
      const e = TesseraError.from(err);
      if (kept.has(e.code)) await store(key, false, errorReplyOf(e));
      else await inbox.release(target, key).catch(() => undefined);
      throw e;
    }
    let reply: WireReply;
    try {
      reply = okReply(codec, result);
    } catch {
      // Not storable with this codec (e.g. a Date with JSON): answered, but not kept.
      await inbox.release(target, key).catch(() => undefined);
      return result;
    }
    await store(key, true, reply);
    return result;
  };

  return (input, meta) => {
    const key = meta.idempotencyKey;
    return key === undefined ? serve(input, meta) : once(input, meta, key);
  };
}

/**
 * `/ready` pings the inbox (an inbox that can be pinged: a store's) of a node that runs an
 * idempotent entry: it is one of the node's stores then.
 */
export function inboxChecks(inbox: EntryInbox, services: readonly ServiceDef[]): ReadinessCheck[] {
  const ping = inbox.ping?.bind(inbox);
  if (ping === undefined) return [];
  const used = services.some((s) => Object.values(s.entries).some((e) => e.idempotent === true));
  return used ? [{ name: "inbox", ping }] : [];
}
