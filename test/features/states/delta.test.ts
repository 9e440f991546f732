import { describe, expect, it } from "vitest";
import {
  applyDelta,
  initialCopy,
  mergeDelta,
  type StateCopy,
  type StateMessage,
} from "../../../src/features/states/delta.js";

type Quotes = Record<string, number>;
const at = (epoch: number, seq: number, value: Quotes, isSnapshot = false): StateCopy<Quotes> => ({
  epoch,
  seq,
  isSnapshot,
  value,
});
const delta = (epoch: number, seq: number, data: Record<string, number | null>): StateMessage => ({
  epoch,
  seq,
  isSnapshot: false,
  data,
});
const snapshot = (epoch: number, seq: number, data: Quotes): StateMessage => ({
  epoch,
  seq,
  isSnapshot: true,
  data,
});

describe("mergeDelta", () => {
  it("merges shallowly: a value sets its key, null deletes it, a missing key deleted is fine", () => {
    const value = { a: 1, b: 2, nested: { x: 1 } };
    expect(mergeDelta(value, { a: 10, c: 3, b: null, missing: null, nested: { y: 2 } })).toEqual({
      a: 10,
      c: 3,
      nested: { y: 2 },
    });
    expect(value).toEqual({ a: 1, b: 2, nested: { x: 1 } });
  });
});

describe("applyDelta", () => {
  const copy = at(1, 5, { AAPL: 100, MSFT: 200 });

  it("applies the exactly-next delta (in order)", () => {
    expect(applyDelta(copy, delta(1, 6, { AAPL: 101, MSFT: null }))).toEqual({
      outcome: "applied",
      copy: at(1, 6, { AAPL: 101 }),
    });
  });

  it("resynchronises on a gap", () => {
    expect(applyDelta(copy, delta(1, 8, { AAPL: 1 }))).toEqual({ outcome: "resync", reason: "gap" });
  });

  it("resynchronises on a duplicate", () => {
    expect(applyDelta(copy, delta(1, 5, { AAPL: 1 }))).toEqual({ outcome: "resync", reason: "duplicate" });
  });

  it("ignores the delta of a snapshot's own number (the snapshot holds it): not a duplicate", () => {
    expect(applyDelta(at(1, 5, {}, true), delta(1, 5, { AAPL: 1 }))).toEqual({
      outcome: "ignored",
      reason: "current",
    });
    expect(applyDelta(at(1, 5, {}, true), delta(1, 6, { AAPL: 1 }))).toMatchObject({ outcome: "applied" });
  });

  it("ignores an older number", () => {
    expect(applyDelta(copy, delta(1, 3, { AAPL: 1 }))).toEqual({ outcome: "ignored", reason: "older" });
  });

  it("makes a holder that has received nothing (a late joiner) fetch a snapshot before any delta", () => {
    expect(applyDelta(initialCopy({}), delta(1, 6, { AAPL: 1 }))).toEqual({
      outcome: "resync",
      reason: "unsynced",
    });
    expect(applyDelta(initialCopy({}), snapshot(1, 5, { AAPL: 1 }))).toEqual({
      outcome: "applied",
      copy: at(1, 5, { AAPL: 1 }, true),
    });
  });

  it("replaces the copy with a snapshot whatever the gap, and with one of the copy's own number", () => {
    expect(applyDelta(copy, snapshot(1, 50, { IBM: 1 }))).toEqual({
      outcome: "applied",
      copy: at(1, 50, { IBM: 1 }, true),
    });
    expect(applyDelta(copy, snapshot(1, 5, { IBM: 1 }))).toEqual({
      outcome: "applied",
      copy: at(1, 5, { IBM: 1 }, true),
    });
  });

  it("ignores a snapshot older than the copy (a late reply must not take it back)", () => {
    expect(applyDelta(copy, snapshot(1, 4, { IBM: 1 }))).toEqual({ outcome: "ignored", reason: "older" });
    expect(applyDelta(copy, snapshot(0, 9, { IBM: 1 }))).toEqual({ outcome: "ignored", reason: "older" });
  });

  it("after an owner restart: a delta of the new epoch resynchronises, one of the old epoch is ignored", () => {
    expect(applyDelta(copy, delta(2, 3, { AAPL: 1 }))).toEqual({ outcome: "resync", reason: "new-epoch" });
    expect(applyDelta(at(2, 3, {}), delta(1, 6, { AAPL: 1 }))).toEqual({
      outcome: "ignored",
      reason: "older",
    });
    // The restarted owner's announcement replaces the copy even with a smaller number.
    expect(applyDelta(copy, snapshot(2, 3, { AAPL: 7 }))).toEqual({
      outcome: "applied",
      copy: at(2, 3, { AAPL: 7 }, true),
    });
  });

  it("uses the owner's beat to find that the last updates were lost", () => {
    expect(applyDelta(copy, { epoch: 1, seq: 5, beat: true })).toEqual({
      outcome: "ignored",
      reason: "current",
    });
    expect(applyDelta(copy, { epoch: 1, seq: 4, beat: true })).toEqual({
      outcome: "ignored",
      reason: "older",
    });
    expect(applyDelta(copy, { epoch: 1, seq: 7, beat: true })).toEqual({
      outcome: "resync",
      reason: "behind",
    });
    expect(applyDelta(copy, { epoch: 2, seq: 1, beat: true })).toEqual({
      outcome: "resync",
      reason: "behind",
    });
  });
});
