// Issue 16, item 2: no JSON body makes a definition reader answer 5xx or throw. Arbitrary JSON —
// near-valid definitions, registrations and events with stray keys anywhere, keys named like
// Object.prototype's members (`toString`, `constructor`, `__defineGetter__`, an own `__proto__`) —
// goes through the HTTP handlers (machinery's /s, /w, /e/<id> and Tesserae's /declared/*) and
// through the readers themselves; the answers are field-error maps, {message} or 2xx, never a
// 5xx, and a reader never throws.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRecord } from "../../../src/features/declared-flows/field-errors.js";
import { checkFields } from "../../../src/features/declared-flows/field-values.js";
import { parseDefinition } from "../../../src/features/declared-flows/parse-definition.js";
import { parseServiceRegistration } from "../../../src/features/declared-flows/parse-service-registration.js";
import type { TestResponse } from "../../../src/testing/index.js";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";
import { anyJson, definitionLike, eventDataLike, registrationLike } from "./json-arbitraries.js";

const numRuns = Number(process.env.FC_RUNS ?? 300);
const json = { "content-type": "application/json" };

/** A per-field error map: messages (strings) under paths, in an object without a prototype when made by a reader. */
function isFieldMap(v: unknown): boolean {
  return (
    isRecord(v) &&
    Object.values(v).every((l) => Array.isArray(l) && l.length > 0 && l.every((m) => typeof m === "string"))
  );
}

const hasMessage = (v: unknown) => isRecord(v) && typeof v.message === "string";

/** machinery's answers: 201 with an id, 409 a field map or {message}, 400 {message} (an event's: and its errors). */
function machineryAnswer(res: TestResponse, created: string): boolean {
  if (res.status === 201) return isRecord(res.body) && typeof res.body[created] === "string";
  if (res.status === 409) return isFieldMap(res.body) || hasMessage(res.body);
  if (res.status === 400) return hasMessage(res.body);
  return false;
}

/** Tesserae's answers: 2xx, or its error shape with a code that says the client is at fault. */
function tesseraeAnswer(res: TestResponse): boolean {
  if (res.status < 300) return true;
  if (res.status >= 500) return false;
  const error = isRecord(res.body) ? res.body.error : undefined;
  if (!isRecord(error) || typeof error.code !== "string" || typeof error.message !== "string") return false;
  const fields = isRecord(error.details) ? error.details.fields : undefined;
  return fields === undefined || isFieldMap(fields);
}

const post = (f: DeclaredFixture, path: string, body: unknown) =>
  f.client.post(path, undefined, { raw: JSON.stringify(body), headers: json });

const explain = (path: string, body: unknown, res: TestResponse) =>
  `POST ${path} ${JSON.stringify(body)} answered ${res.status} ${res.text}`;

describe("no JSON makes a definition reader answer 5xx or throw", () => {
  let f: DeclaredFixture;
  beforeAll(async () => {
    f = await declaredFixture();
  });
  afterAll(() => f.stop());

  it("the readers return a field-error map without a prototype, never throw", () => {
    fc.assert(
      fc.property(fc.oneof(definitionLike, registrationLike, anyJson), (doc) => {
        for (const read of [parseDefinition(doc), parseServiceRegistration(doc)]) {
          if (read.ok) continue;
          expect(isFieldMap(read.errors)).toBe(true);
          expect(Object.getPrototypeOf(read.errors)).toBeNull();
        }
      }),
      { numRuns },
    );
  });

  it("checking event data against declared fields returns a field-error map, never throws", () => {
    const fields = ["message", "toString", "constructor", "valueOf", "hasOwnProperty"].map((name) => ({
      name,
      type: "string" as const,
    }));
    fc.assert(
      fc.property(eventDataLike, (data) => {
        if (!isRecord(data)) return;
        const errors = checkFields(fields, data);
        expect(isFieldMap(errors)).toBe(true);
        expect(Object.getPrototypeOf(errors)).toBeNull();
      }),
      { numRuns },
    );
  });

  it("POST /s and /w answer 201, 409 with a field map or {message}, or 400 {message}", async () => {
    await fc.assert(
      fc.asyncProperty(registrationLike, definitionLike, async (service, workflow) => {
        const s = await post(f, "/s", service);
        expect(machineryAnswer(s, "service_id"), explain("/s", service, s)).toBe(true);
        const w = await post(f, "/w", workflow);
        expect(machineryAnswer(w, "workflow_id"), explain("/w", workflow, w)).toBe(true);
      }),
      { numRuns },
    );
  });

  it("POST /declared/services and /declared/flows answer 2xx or a client error with the problems per field", async () => {
    await fc.assert(
      fc.asyncProperty(registrationLike, definitionLike, async (service, flow) => {
        const s = await post(f, "/declared/services", service);
        expect(tesseraeAnswer(s), explain("/declared/services", service, s)).toBe(true);
        const d = await post(f, "/declared/flows", flow);
        expect(tesseraeAnswer(d), explain("/declared/flows", flow, d)).toBe(true);
      }),
      { numRuns },
    );
  });
});

describe("no event data makes an event answer 5xx", () => {
  let f: DeclaredFixture;
  let workflowId: string;
  beforeAll(async () => {
    // Its own node: the registrations above re-register `upper` at an address that answers nothing.
    f = await declaredFixture();
    const w = await f.client.post("/w", {
      name: "shout",
      services: ["upper"],
      // Optional inputs named like Object.prototype's members: the data may or may not have them.
      inputs: [
        { name: "message", type: "string" },
        { name: "constructor", type: "string", required: false },
        { name: "toString", type: "int", required: false },
      ],
    });
    workflowId = (w.body as { workflow_id: string }).workflow_id;
  });
  afterAll(() => f.stop());

  it("an event of any JSON on /e/<id> and /declared/flows/:name/events answers 2xx or 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(eventDataLike, anyJson, async (data, options) => {
        const e = await post(f, `/e/${workflowId}`, data);
        const errors = isRecord(e.body) ? e.body.errors : undefined;
        const ok =
          e.status === 201 ||
          e.status === 202 ||
          (e.status === 400 && hasMessage(e.body) && (errors === undefined || isFieldMap(errors)));
        expect(ok, explain(`/e/${workflowId}`, data, e)).toBe(true);
        const body = isRecord(options) ? { ...options, data } : { data };
        const d = await post(f, "/declared/flows/shout/events", body);
        expect(tesseraeAnswer(d), explain("/declared/flows/shout/events", body, d)).toBe(true);
      }),
      { numRuns },
    );
  });
});
