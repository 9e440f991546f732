import type { StandardSchemaV1 } from "@standard-schema/spec";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { TesseraError } from "../../src/core/errors.js";
import { jsonSchemaOf, validate } from "../../src/core/schema.js";

function validationError(fn: () => unknown): TesseraError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe("TESSERA_VALIDATION");
    return err as TesseraError;
  }
  throw new Error("expected a validation error");
}

const issuesOf = (err: TesseraError) =>
  (err.details as { issues: { path: string; message: string }[] }).issues;

const Order = z.object({
  customer: z.object({ name: z.string(), email: z.email() }),
  items: z.array(z.object({ sku: z.string(), qty: z.number().int().positive() })).min(1),
  note: z.string().optional(),
});

describe("validate", () => {
  it("returns the parsed value synchronously for a synchronous schema", () => {
    const out = validate(z.object({ n: z.coerce.number() }), { n: "4", extra: true }, "input");
    expect(out).not.toBeInstanceOf(Promise);
    expect(out).toEqual({ n: 4 });
  });

  it("lists every issue with its dotted path", () => {
    const err = validationError(() =>
      validate(
        Order,
        {
          customer: { name: 3, email: "nope" },
          items: [
            { sku: "a", qty: 1 },
            { sku: 9, qty: 0 },
          ],
        },
        "input",
      ),
    );
    expect(issuesOf(err).map((i) => i.path)).toEqual([
      "customer.name",
      "customer.email",
      "items.1.sku",
      "items.1.qty",
    ]);
    for (const issue of issuesOf(err)) expect(issue.message).not.toBe("");
    expect(err.message).toMatch(
      /^invalid input: customer\.name: .+; customer\.email: .+; items\.1\.sku: .+; items\.1\.qty: .+$/,
    );
  });

  it("reports a problem of the whole value with an empty path", () => {
    const err = validationError(() => validate(Order, "not an object", "payload of order.placed"));
    expect(issuesOf(err)).toHaveLength(1);
    expect(issuesOf(err)[0]!.path).toBe("");
    expect(err.message).toBe(`invalid payload of order.placed: ${issuesOf(err)[0]!.message}`);
  });

  it("names a missing required field", () => {
    const err = validationError(() => validate(z.object({ message: z.string() }), {}, "input"));
    expect(issuesOf(err).map((i) => i.path)).toEqual(["message"]);
  });

  it("returns a promise for an asynchronous schema, resolved with the value", async () => {
    const Unique = z.object({ name: z.string() }).refine(async (v) => v.name !== "taken", {
      message: "name is taken",
      path: ["name"],
    });
    const ok = validate(Unique, { name: "free" }, "input");
    expect(ok).toBeInstanceOf(Promise);
    await expect(ok).resolves.toEqual({ name: "free" });
  });

  it("rejects with every issue for an asynchronous schema", async () => {
    const Unique = z.object({ name: z.string() }).refine(async (v) => v.name !== "taken", {
      message: "name is taken",
      path: ["name"],
    });
    const err = await Promise.resolve(validate(Unique, { name: "taken" }, "input")).then(
      () => {
        throw new Error("expected a rejection");
      },
      (e: unknown) => e as TesseraError,
    );
    expect(err.code).toBe("TESSERA_VALIDATION");
    expect(issuesOf(err)).toEqual([{ path: "name", message: "name is taken" }]);
  });

  it("works with any Standard Schema, path segments given as keys or objects", () => {
    const handMade: StandardSchemaV1<unknown, unknown> = {
      "~standard": {
        version: 1,
        vendor: "test",
        validate: () => ({
          issues: [
            { message: "first", path: ["a", 0, { key: "b" }] },
            { message: "second", path: [Symbol.for("s")] },
            { message: "third" },
          ],
        }),
      },
    };
    const err = validationError(() => validate(handMade, {}, "input"));
    expect(issuesOf(err)).toEqual([
      { path: "a.0.b", message: "first" },
      { path: "Symbol(s)", message: "second" },
      { path: "", message: "third" },
    ]);
  });
});

describe("jsonSchemaOf", () => {
  it("gives the JSON Schema of a zod schema, without $schema", () => {
    const schema = jsonSchemaOf(z.object({ message: z.string() }), "input");
    expect(schema).toMatchObject({
      type: "object",
      properties: { message: { type: "string" } },
      required: ["message"],
    });
    expect(schema).not.toHaveProperty("$schema");
  });

  it("distinguishes input and output shapes", () => {
    const s = z.object({ limit: z.number().default(10) });
    expect(jsonSchemaOf(s, "input")?.required ?? []).not.toContain("limit");
    expect(jsonSchemaOf(s, "output")?.required).toContain("limit");
  });

  it("is undefined without a schema or for a library without JSON Schema support", () => {
    expect(jsonSchemaOf(undefined, "input")).toBeUndefined();
    const plain: StandardSchemaV1 = {
      "~standard": { version: 1, vendor: "test", validate: (value) => ({ value }) },
    };
    expect(jsonSchemaOf(plain, "input")).toBeUndefined();
  });
});
