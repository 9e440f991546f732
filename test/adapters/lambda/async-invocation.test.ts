import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileResultStore, type StoredResult } from "tesserae/lambda";
import { afterAll, describe, expect, it } from "vitest";
import { fixtureHandler } from "./fixtures/handler.js";
import { logo } from "./fixtures/services.js";

const dir = mkdtempSync(join(tmpdir(), "tesserae-results-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const results = fileResultStore({ dir });
const handler = fixtureHandler({ results });

const upper = (key: string, body: unknown = { message: "hello" }) => ({
  tessera: "async",
  key,
  request: { method: "POST", path: "/text/upper", body },
});

describe("asynchronous invocations", () => {
  it("run the entry and store its response under the caller's key; a result event reads it back", async () => {
    const record = (await handler(upper("jobs/1.json"))) as StoredResult;
    expect(record).toMatchObject({ key: "jobs/1.json", status: 200, isBase64Encoded: false });
    expect(JSON.parse(record.body)).toEqual({ message: "HELLO" });
    expect(record.requestId).toBeTypeOf("string");
    expect(Date.parse(record.completedAt)).not.toBeNaN();
    expect(await results.get("jobs/1.json")).toEqual(record);
    expect(await handler({ tessera: "result", key: "jobs/1.json" })).toEqual(record);
  });

  it("store errors as responses too (validation, auth), with the gateway's codes", async () => {
    const invalid = (await handler(upper("jobs/2.json", { message: 5 }))) as StoredResult;
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body)).toMatchObject({ error: { code: "TESSERA_VALIDATION" } });
    const denied = (await handler({
      tessera: "async",
      key: "jobs/3.json",
      request: { method: "GET", path: "/vault/secret/db" },
    })) as StoredResult;
    expect(denied.status).toBe(401);
    const allowed = (await handler({
      tessera: "async",
      key: "jobs/4.json",
      request: { method: "GET", path: "/vault/secret/db", headers: { Authorization: "Bearer admin-token" } },
    })) as StoredResult;
    expect(JSON.parse(allowed.body)).toMatchObject({ owner: "ada" });
  });

  it("store bytes in base64", async () => {
    const r = (await handler({
      tessera: "async",
      key: "logo.png",
      request: { method: "GET", path: "/vault/logo" },
    })) as StoredResult;
    expect(r.isBase64Encoded).toBe(true);
    expect(new Uint8Array(Buffer.from(r.body, "base64"))).toEqual(logo);
  });

  it("run once per key: a redelivered event gets the stored result", async () => {
    const first = (await handler({
      tessera: "async",
      key: "tally/once",
      request: { method: "POST", path: "/vault/tally" },
    })) as StoredResult;
    const again = (await handler({
      tessera: "async",
      key: "tally/once",
      request: { method: "POST", path: "/vault/tally" },
    })) as StoredResult;
    expect(again).toEqual(first);
    const other = (await handler({
      tessera: "async",
      key: "tally/twice",
      request: { method: "POST", path: "/vault/tally" },
    })) as StoredResult;
    expect(JSON.parse(other.body).tallied).toBe(JSON.parse(first.body).tallied + 1);
  });

  it("store a 400 for a malformed request under a valid key", async () => {
    const r = (await handler({
      tessera: "async",
      key: "bad/request",
      request: { method: "POST" },
    })) as StoredResult;
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).error.message).toContain("request.path");
  });

  it("refuse an unusable key, or a missing store, with an error object (nothing thrown)", async () => {
    for (const key of ["../escape", "/abs", "a//b", "", "a/./b", 42, "x".repeat(513)]) {
      expect(await handler({ ...upper("k"), key })).toMatchObject({ error: { code: "TESSERA_BAD_REQUEST" } });
    }
    const storeless = fixtureHandler();
    expect(await storeless(upper("jobs/x"))).toMatchObject({ error: { code: "TESSERA_CONFIG" } });
    expect(await handler({ tessera: "result", key: "never/ran" })).toMatchObject({
      error: { code: "TESSERA_NOT_FOUND" },
    });
  });

  it("let Lambda retry when the result cannot be stored", async () => {
    const failing = fixtureHandler({
      results: { get: async () => undefined, put: async () => Promise.reject(new Error("S3 is down")) },
    });
    await expect(failing(upper("jobs/retry"))).rejects.toThrow("S3 is down");
  });
});
