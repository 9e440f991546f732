// The node's inbox of idempotent calls: what the node needs of a store (defined here, like the
// Transport; adapters implement it: memory, SQLite, PostgreSQL — see ports/inbox-store.ts).

/** What `claim` found under a key. */
export type InboxClaim =
  /** The key is new (or its holder's lock ran out): the caller runs the handler, then `complete`s. */
  | { readonly kind: "claimed" }
  /** Another call holds the key and has not answered yet. */
  | { readonly kind: "busy"; readonly fingerprint: string }
  /** The first call's answer: `ok` with the encoded value, else the encoded `ErrorBody` as JSON. */
  | {
      readonly kind: "done";
      readonly fingerprint: string;
      readonly ok: boolean;
      readonly data: Uint8Array;
    };

/**
 * Keys of idempotent calls with their first answer, per target (`service.entry`).
 *
 * @example
 * const c = await inbox.claim("accounts.deposit", key, fingerprint, Date.now(), 30_000);
 */
export interface EntryInbox {
  /** `memory`, `sqlite`, `postgres`. */
  readonly kind: string;
  /**
   * Takes `key` of `target` for a first execution (a lock until `now + lockMs`), or tells what is
   * there. A lock that ran out (its node died mid-call) is taken over, with the new fingerprint.
   */
  claim(target: string, key: string, fingerprint: string, now: number, lockMs: number): Promise<InboxClaim>;
  /** Stores the first answer of a claimed key. */
  complete(target: string, key: string, ok: boolean, data: Uint8Array, now: number): Promise<void>;
  /** Gives a claimed key up (the call failed in a way a retry may fix): the next call runs the handler. */
  release(target: string, key: string): Promise<void>;
  /** Forgets answers stored before `before` and locks that ran out before it; resolves to how many. */
  purge(before: number): Promise<number>;
  /** One cheap read of the inbox's table, for `/ready` (stores only). */
  ping?(): Promise<unknown>;
  close?(): Promise<void>;
}

interface Row {
  fingerprint: string;
  lockedUntil: number;
  done?: { ok: boolean; data: Uint8Array; at: number };
}

/** An inbox in the process's memory: the node's default, and `memoryInbox()`. */
export class LocalInbox implements EntryInbox {
  readonly kind = "memory";
  private readonly rows = new Map<string, Row>();

  async claim(
    target: string,
    key: string,
    fingerprint: string,
    now: number,
    lockMs: number,
  ): Promise<InboxClaim> {
    const id = `${target}\u0000${key}`;
    const row = this.rows.get(id);
    if (row?.done !== undefined) return { kind: "done", fingerprint: row.fingerprint, ...row.done };
    if (row !== undefined && row.lockedUntil > now) return { kind: "busy", fingerprint: row.fingerprint };
    this.rows.set(id, { fingerprint, lockedUntil: now + lockMs });
    return { kind: "claimed" };
  }

  async complete(target: string, key: string, ok: boolean, data: Uint8Array, now: number): Promise<void> {
    const row = this.rows.get(`${target}\u0000${key}`);
    if (row !== undefined) row.done = { ok, data, at: now };
  }

  async release(target: string, key: string): Promise<void> {
    const id = `${target}\u0000${key}`;
    if (this.rows.get(id)?.done === undefined) this.rows.delete(id);
  }

  async purge(before: number): Promise<number> {
    let n = 0;
    for (const [id, row] of this.rows) {
      if (row.done === undefined ? row.lockedUntil < before : row.done.at < before) {
        this.rows.delete(id);
        n++;
      }
    }
    return n;
  }
}
