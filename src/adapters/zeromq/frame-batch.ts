/**
 * Many link frames in one ZeroMQ message. Handing a message to zeromq.js (and taking one from it)
 * crosses into native code and settles a promise: one crossing per batch rather than per frame is
 * what lets a link carry hundreds of thousands of small messages a second.
 *
 * A batch is a sequence of records, one per link frame (see `link-frames.ts`):
 * `kind` (1 byte, the frame's letter), `count` (1 byte), then `count` fields, each a 32-bit
 * little-endian length and that many bytes.
 */

/** One field of a record: a string travels as UTF-8. */
export type Field = string | Uint8Array;

/** A batch is sealed once it holds this much (a larger record makes a batch of its own). */
export const batchBytes = 64 * 1024;

/** Strings this short are written by `writeShort` (a subject, an id), longer ones by `Buffer.write`. */
const shortString = 64;

/** Writes a short string as UTF-8 at `at`, ASCII by hand (no call into Node's encoder); returns its size. */
function writeShort(buf: Buffer, s: string, at: number): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return buf.write(s, at, "utf8");
    buf[at + i] = c;
  }
  return n;
}

/**
 * Writes records into one reused buffer; `take()` returns an exact-size copy, handed to zeromq
 * (which keeps a reference to it until sent: the writer's own buffer is never given away).
 */
export class BatchWriter {
  private buf = Buffer.allocUnsafeSlow(batchBytes * 2);
  /** Bytes written since the last `take()`. */
  size = 0;

  /**
   * Appends one record; returns its size in bytes. With `more`, the record has that many fields
   * still to come (written by `addRest` or `addPrefixed`): a prefix several links share.
   */
  add(kind: string, fields: readonly Field[], more = 0): number {
    let most = 2;
    for (const f of fields) most += 4 + (typeof f === "string" ? f.length * 3 : f.byteLength);
    if (this.size + most > this.buf.length) this.grow(this.size + most);
    const buf = this.buf;
    let at = this.size;
    buf[at++] = kind.charCodeAt(0);
    buf[at++] = fields.length + more;
    at = this.fields(fields, at);
    const added = at - this.size;
    this.size = at;
    return added;
  }

  /**
   * Appends a record made of a `prefix` (what `written()` gives after `add` with `more: 1`) and
   * one last field; returns its size in bytes.
   */
  addPrefixed(prefix: Uint8Array, last: string): number {
    const most = prefix.byteLength + 4 + last.length * 3;
    if (this.size + most > this.buf.length) this.grow(this.size + most);
    this.buf.set(prefix, this.size);
    const at = this.fields([last], this.size + prefix.byteLength);
    const added = at - this.size;
    this.size = at;
    return added;
  }

  private fields(fields: readonly Field[], from: number): number {
    const buf = this.buf;
    let at = from;
    for (const f of fields) {
      if (typeof f === "string") {
        const n = f.length <= shortString ? writeShort(buf, f, at + 4) : buf.write(f, at + 4, "utf8");
        buf.writeUInt32LE(n, at);
        at += 4 + n;
      } else {
        buf.writeUInt32LE(f.byteLength, at);
        buf.set(f, at + 4);
        at += 4 + f.byteLength;
      }
    }
    return at;
  }

  /** A view of what was written since the last `clear()` (valid until the next write). */
  written(): Uint8Array {
    return this.buf.subarray(0, this.size);
  }

  /** The records written so far, as one batch; the writer starts empty again. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.size);
    this.buf.copy(out, 0, 0, this.size);
    // A large record grew the buffer: give the memory back.
    this.clear();
    return out;
  }

  /** Forgets what was written. */
  clear(): void {
    this.size = 0;
    if (this.buf.length > batchBytes * 4) this.buf = Buffer.allocUnsafeSlow(batchBytes * 2);
  }

  private grow(needed: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(needed, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.size);
    this.buf = next;
  }
}

/** Texts up to this size are remembered by `RecordView.text`. */
const memoBytes = 64;

function sameBytes(a: Buffer, size: number, b: Buffer, start: number, end: number): boolean {
  if (end - start !== size) return false;
  for (let i = 0; i < size; i++) if (a[i] !== b[start + i]) return false;
  return true;
}

/**
 * One record of a batch, read in place (no copy, no view per field). Valid only during the
 * `readBatch` callback that hands it out: the same object serves every record.
 */
export class RecordView {
  private batch: Buffer = Buffer.alloc(0);
  private starts: number[] = [];
  private ends: number[] = [];
  private readonly memos: ({ bytes: Buffer; size: number; text: string } | undefined)[] = [];
  /** How many fields the record has. */
  count = 0;

  /** @internal Points the view at the fields of one record. */
  at(batch: Buffer, count: number): void {
    this.batch = batch;
    this.count = count;
  }

  /** @internal */
  field(i: number, start: number, end: number): void {
    this.starts[i] = start;
    this.ends[i] = end;
  }

  /** Field `i` in bytes (0 when the record has no such field). */
  size(i: number): number {
    return i < this.count ? this.ends[i]! - this.starts[i]! : 0;
  }

  /** Field `i` as text ("" when absent). */
  text(i: number): string {
    if (i >= this.count) return "";
    const start = this.starts[i]!;
    const end = this.ends[i]!;
    if (start === end) return "";
    if (end - start > memoBytes) return this.batch.toString("utf8", start, end);
    // Subjects and ids repeat from record to record: the last text of each field is remembered.
    let memo = this.memos[i];
    if (memo === undefined) {
      memo = { bytes: Buffer.alloc(memoBytes), size: 0, text: "" };
      this.memos[i] = memo;
    }
    if (sameBytes(memo.bytes, memo.size, this.batch, start, end)) return memo.text;
    memo.size = this.batch.copy(memo.bytes, 0, start, end);
    memo.text = this.batch.toString("utf8", start, end);
    return memo.text;
  }

  /**
   * Field `i` as a view of the received message, which nobody else holds (zeromq hands each
   * message out once): the receiver may keep or change it, as NATS clients hand out views of
   * what they read. Keeping it keeps the whole batch (up to 64 KiB) in memory.
   */
  view(i: number): Uint8Array {
    const size = this.size(i);
    if (size === 0) return new Uint8Array(0);
    return new Uint8Array(this.batch.buffer, this.batch.byteOffset + this.starts[i]!, size);
  }

  /** A copy of field `i` that belongs to the caller (empty when absent). */
  copy(i: number): Uint8Array {
    const out = new Uint8Array(this.size(i));
    if (out.byteLength > 0) this.batch.copy(out, 0, this.starts[i]!, this.ends[i]!);
    return out;
  }
}

/**
 * Calls `onRecord` for each record of a batch (`view` points at the record's fields in `batch`).
 * Returns false when the batch is malformed (a peer is not trusted to be well-formed): what
 * follows the last whole record is left out.
 */
export function readBatch(batch: Buffer, view: RecordView, onRecord: (kind: string) => void): boolean {
  const end = batch.length;
  let at = 0;
  while (at < end) {
    if (at + 2 > end) return false;
    const kind = String.fromCharCode(batch[at]!);
    const count = batch[at + 1]!;
    at += 2;
    for (let i = 0; i < count; i++) {
      if (at + 4 > end) return false;
      const length = batch.readUInt32LE(at);
      at += 4;
      if (at + length > end) return false;
      view.field(i, at, at + length);
      at += length;
    }
    view.at(batch, count);
    onRecord(kind);
  }
  return true;
}
