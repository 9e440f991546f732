import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  applyDelta,
  type Delta,
  initialCopy,
  mergeDelta,
  type StateCopy,
  type StateMessage,
} from "../../../src/features/states/delta.js";

type Value = Record<string, number>;

/** An owner as the runtime keeps it: value, number, epoch; a restart may lose the last unstored updates. */
class ModelOwner {
  value: Value = {};
  seq = 0;
  epoch = 1;
  private stored = { value: {} as Value, seq: 0, epoch: 1 };
  readonly sent: StateMessage[] = [];

  full(value: Value): void {
    this.value = value;
    this.seq++;
    this.sent.push({ epoch: this.epoch, seq: this.seq, isSnapshot: true, data: value });
  }
  delta(d: Delta<Value>): void {
    this.value = mergeDelta(this.value, d);
    this.seq++;
    this.sent.push({ epoch: this.epoch, seq: this.seq, isSnapshot: false, data: d });
  }
  persist(): void {
    this.stored = { value: this.value, seq: this.seq, epoch: this.epoch };
  }
  /** A crash and a restart: resumes from what was stored, under the next epoch, and announces itself. */
  restart(): void {
    this.value = this.stored.value;
    this.seq = this.stored.seq;
    this.epoch = this.stored.epoch + 1;
    this.stored = { ...this.stored, epoch: this.epoch };
    this.sent.push({ epoch: this.epoch, seq: this.seq, isSnapshot: true, data: this.value });
  }
  snapshot(): StateMessage {
    return { epoch: this.epoch, seq: this.seq, isSnapshot: true, data: this.value };
  }
}

/** A holder driven by `applyDelta`; a resync takes the owner's snapshot at that moment. */
function deliver(copy: StateCopy<Value>, msg: StateMessage, owner: ModelOwner): StateCopy<Value> {
  const r = applyDelta(copy, msg);
  if (r.outcome === "applied") return r.copy;
  if (r.outcome === "ignored") return copy;
  const again = applyDelta(copy, owner.snapshot());
  return again.outcome === "applied" ? again.copy : copy;
}

const key = fc.constantFrom("a", "b", "c", "d", "e");
const op = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("delta" as const),
      d: fc.dictionary(key, fc.option(fc.integer(), { nil: null })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("full" as const), v: fc.dictionary(key, fc.integer()) }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: "persist" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "restart" as const }) },
);

describe("delta protocol, property-based", () => {
  it("every holder converges to the owner's value whatever the delivery order, drops and duplicates", () => {
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 60 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom("deliver", "drop", "dup")), { maxLength: 200 }),
        fc.nat({ max: 60 }),
        (ops, schedule, lateJoin) => {
          const owner = new ModelOwner();
          for (const o of ops) {
            if (o.kind === "delta") owner.delta(o.d as Delta<Value>);
            else if (o.kind === "full") owner.full(o.v);
            else if (o.kind === "persist") owner.persist();
            else owner.restart();
          }
          // Messages reach the holder in an order the schedule picks, some dropped, some twice.
          const pending = [...owner.sent];
          let copy = initialCopy<Value>({});
          // A late joiner first takes a snapshot (here, of the owner's final state).
          let late = initialCopy<Value>({});
          late = deliver(late, owner.snapshot(), owner);
          let step = 0;
          for (const [pick, action] of schedule) {
            if (pending.length === 0) break;
            const msg = pending.splice(pick % pending.length, 1)[0]!;
            if (action === "drop") continue;
            copy = deliver(copy, msg, owner);
            if (action === "dup") copy = deliver(copy, msg, owner);
            if (step++ >= lateJoin) late = deliver(late, msg, owner);
          }
          for (const msg of pending) copy = deliver(copy, msg, owner);
          // The owner's beat while idle: a holder that lost the last updates sees it is behind.
          const beat: StateMessage = { epoch: owner.epoch, seq: owner.seq, beat: true };
          copy = deliver(copy, beat, owner);
          late = deliver(late, beat, owner);
          expect(copy.value).toEqual(owner.value);
          expect([copy.epoch, copy.seq]).toEqual([owner.epoch, owner.seq]);
          expect(late.value).toEqual(owner.value);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("a holder that gets every update in order never resynchronises and follows the owner at each step", () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(key, fc.option(fc.integer(), { nil: null })), { maxLength: 50 }),
        (deltas) => {
          const owner = new ModelOwner();
          let copy = deliver(initialCopy<Value>({}), owner.snapshot(), owner);
          for (const d of deltas) {
            owner.delta(d as Delta<Value>);
            const r = applyDelta(copy, owner.sent.at(-1)!);
            expect(r.outcome).toBe("applied");
            if (r.outcome === "applied") copy = r.copy;
            expect(copy.value).toEqual(owner.value);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
