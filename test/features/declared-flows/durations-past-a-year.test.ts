import { afterEach, describe, expect, it } from "vitest";
import { field } from "./external-services.js";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";

// Issue 14 follow-up, finding 4: a wait of "99999999999d" (or a retry delay, a signal timeout of
// it) was accepted with 201; its run stored a due time past what a Date holds, and every listing
// of runs answered 500 (RangeError: Invalid time value at Date.toISOString) while the run existed.
// A duration is now at most 365 days, refused field by field where it is declared.

const tooLong = 'Longer than the maximum of 365 days ("365d").';
const steps = [
  { id: "w", type: "wait", duration: "99999999999d" },
  { id: "s", type: "wait", signal: "go", timeout: "99999999999d" },
  { id: "c", service: "upper", retry: { attempts: 2, delay: "99999999999d" }, timeout: "366d" },
  { id: "ms", type: "wait", duration: 365 * 86_400_000 + 1 },
];

describe("declared durations past 365 days (issue 14 follow-up, finding 4)", () => {
  let f: DeclaredFixture;
  afterEach(async () => {
    await f?.stop();
  });

  it("a wait of 99999999999d was accepted (201) and its run made the runs listing answer 500", async () => {
    f = await declaredFixture();
    const res = await f.client.post("/declared/flows", {
      name: "q2",
      inputs: [field("message")],
      outputs: [],
      steps,
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: "TESSERA_VALIDATION" } });
    expect((res.body as { error: { details: { fields: unknown } } }).error.details.fields).toEqual({
      "steps.0.duration": [tooLong],
      "steps.1.timeout": [tooLong],
      "steps.2.retry.delay": [tooLong],
      "steps.2.timeout": [tooLong],
      "steps.3.duration": [tooLong],
    });
    // machinery's /w refuses it as it refuses every definition error: 409 with the fields.
    const w = await f.client.post("/w", { name: "q2", inputs: [field("message")], outputs: [], steps });
    expect(w.status).toBe(409);
    expect(w.body).toMatchObject({ "steps.0.duration": [tooLong], "steps.2.retry.delay": [tooLong] });
    // A year is the maximum, and is taken.
    const year = await f.client.post("/declared/flows", {
      name: "yearly",
      inputs: [],
      outputs: [],
      steps: [{ id: "w", type: "wait", duration: "365d" }],
    });
    expect(year.status).toBe(201);
    expect((await f.client.get("/flows/runs")).status).toBe(200);
  });
});
