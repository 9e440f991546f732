import { describe, expect, it } from "vitest";
import { BatchWriter, batchBytes, RecordView, readBatch } from "../../../src/adapters/zeromq/frame-batch.js";

interface Read {
  kind: string;
  texts: string[];
}

function records(batch: Buffer): { ok: boolean; read: Read[] } {
  const read: Read[] = [];
  const view = new RecordView();
  const ok = readBatch(batch, view, (kind) => {
    read.push({ kind, texts: Array.from({ length: view.count }, (_, i) => view.text(i)) });
  });
  return { ok, read };
}

describe("frame batches", () => {
  it("carries records of text and bytes, empty fields and non-ASCII text, in order", () => {
    const w = new BatchWriter();
    w.add("P", ["tessera.state.quotes.updates", "", new TextEncoder().encode('{"a":1}'), "id1,id2"]);
    w.add("B", []);
    w.add("H", ["1", "[]"]);
    w.add("R", ["x", "é→😀"]);
    const { ok, read } = records(w.take());
    expect(ok).toBe(true);
    expect(read).toEqual([
      { kind: "P", texts: ["tessera.state.quotes.updates", "", '{"a":1}', "id1,id2"] },
      { kind: "B", texts: [] },
      { kind: "H", texts: ["1", "[]"] },
      { kind: "R", texts: ["x", "é→😀"] },
    ]);
    expect(w.size).toBe(0);
  });

  it("repeats a remembered text only for the same bytes", () => {
    const w = new BatchWriter();
    for (const s of ["a.b", "a.b", "a.c", "a.bc", "a.b"]) w.add("P", [s]);
    expect(records(w.take()).read.map((r) => r.texts[0])).toEqual(["a.b", "a.b", "a.c", "a.bc", "a.b"]);
  });

  it("copies a shared prefix and a last field into a record", () => {
    const shared = new BatchWriter();
    shared.add("P", ["s.t", "", new Uint8Array([104, 105])], 1);
    const w = new BatchWriter();
    w.addPrefixed(shared.written(), "ids-a");
    w.addPrefixed(shared.written(), "ids-b");
    expect(records(w.take()).read).toEqual([
      { kind: "P", texts: ["s.t", "", "hi", "ids-a"] },
      { kind: "P", texts: ["s.t", "", "hi", "ids-b"] },
    ]);
  });

  it("grows for a record larger than a batch, and the bytes survive", () => {
    const w = new BatchWriter();
    const big = new Uint8Array(batchBytes * 5);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    w.add("P", ["s", "", big, "1"]);
    const view = new RecordView();
    let got: Uint8Array | undefined;
    readBatch(w.take(), view, () => {
      got = view.copy(2);
    });
    expect(got !== undefined && Buffer.compare(got, big)).toBe(0);
  });

  it("gives views and copies of a field that belong to the caller", () => {
    const w = new BatchWriter();
    w.add("P", ["s", "", new Uint8Array([1, 2, 3]), "1"]);
    const batch = w.take();
    const view = new RecordView();
    readBatch(batch, view, () => {
      const copy = view.copy(2);
      const seen = view.view(2);
      expect(seen).toBeInstanceOf(Uint8Array);
      expect([...seen]).toEqual([1, 2, 3]);
      copy.fill(9);
      expect([...view.view(2)]).toEqual([1, 2, 3]);
    });
  });

  it("leaves out what follows the last whole record of a malformed batch", () => {
    const w = new BatchWriter();
    w.add("A", ["one"]);
    const whole = w.take();
    // A second record whose field claims more bytes than there are.
    const broken = Buffer.concat([whole, Buffer.from([0x41, 1, 0xff, 0xff, 0, 0, 0x61])]);
    expect(records(broken)).toEqual({ ok: false, read: [{ kind: "A", texts: ["one"] }] });
    expect(records(Buffer.from([0x41])).ok).toBe(false);
    expect(records(Buffer.alloc(0))).toEqual({ ok: true, read: [] });
  });
});
