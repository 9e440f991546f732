import { describe, expect, it } from "vitest";
import { applyResult, type Data, mergeInto } from "../../../src/features/declared-flows/data-paths.js";
import type { CallStep } from "../../../src/features/declared-flows/definition.js";

const step: CallStep = { id: "evil", type: "call", service: "evil" };
// What JSON.parse makes of an answer with a "__proto__" key: an own key, which Object.assign would
// hand to the setter of Object.prototype.__proto__.
const poisoned = () =>
  JSON.parse('{"message":"hi","__proto__":{"polluted":true}}') as Record<string, unknown>;

describe("merging a result into a run's data", () => {
  it("merges an answer's fields but never lets a __proto__ key replace the data's prototype", () => {
    const data: Data = { before: 1 };
    applyResult(step, poisoned(), data);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(data.polluted).toBeUndefined();
    expect(Object.keys(data)).toEqual(["before", "message"]);
    expect(data).toEqual({ before: 1, message: "hi" });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("merges a signal's payload the same way", () => {
    const data: Data = {};
    mergeInto(data, poisoned());
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(data).toEqual({ message: "hi" });
  });

  it("keeps a nested __proto__ key as a plain own field of the value it is in (no prototype is touched)", () => {
    const data: Data = {};
    applyResult({ ...step, into: "answer" }, poisoned(), data);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    const answer = data.answer as Record<string, unknown>;
    expect(Object.getPrototypeOf(answer)).toBe(Object.prototype);
    expect(answer.polluted).toBeUndefined();
  });
});
