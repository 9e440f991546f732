import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkResultKey,
  fileResultStore,
  type S3ObjectClient,
  type StoredResult,
  s3ResultStore,
} from "tesserae/lambda";
import { afterAll, describe, expect, it } from "vitest";

const result = (key: string): StoredResult => ({
  key,
  status: 200,
  headers: { "content-type": "application/json" },
  body: '{"ok":true}',
  isBase64Encoded: false,
  completedAt: new Date(0).toISOString(),
});

/** An in-memory S3 that answers like the AWS SDK v3 `S3` client (NoSuchKey for a missing object). */
function fakeS3() {
  const objects = new Map<string, { body: string; type: string }>();
  const client: S3ObjectClient = {
    async putObject({ Bucket, Key, Body, ContentType }) {
      objects.set(`${Bucket}/${Key}`, { body: Body, type: ContentType });
      return {};
    },
    async getObject({ Bucket, Key }) {
      const o = objects.get(`${Bucket}/${Key}`);
      if (o === undefined)
        throw Object.assign(new Error("The specified key does not exist."), { name: "NoSuchKey" });
      return { Body: { transformToString: async () => o.body } };
    },
  };
  return { client, objects };
}

describe("result stores", () => {
  const dir = mkdtempSync(join(tmpdir(), "tesserae-store-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("file: one JSON file per key, sub-folders for /, undefined when missing", async () => {
    const store = fileResultStore({ dir });
    await store.put(result("a/b/c.json"));
    expect(JSON.parse(readFileSync(join(dir, "a", "b", "c.json"), "utf8"))).toEqual(result("a/b/c.json"));
    expect(await store.get("a/b/c.json")).toEqual(result("a/b/c.json"));
    expect(await store.get("a/b/missing")).toBeUndefined();
    expect(await store.get("a/b/c.json/deeper")).toBeUndefined();
    await expect(store.get("../outside")).rejects.toMatchObject({ code: "TESSERA_BAD_REQUEST" });
  });

  it("s3: objects under the prefix, the client created once on first use, NoSuchKey as undefined", async () => {
    const { client, objects } = fakeS3();
    let created = 0;
    const store = s3ResultStore({
      bucket: "results",
      prefix: "async/",
      client: () => {
        created++;
        return client;
      },
    });
    expect(created).toBe(0);
    await store.put(result("jobs/1"));
    expect(objects.get("results/async/jobs/1")?.type).toBe("application/json");
    expect(await store.get("jobs/1")).toEqual(result("jobs/1"));
    expect(await store.get("jobs/2")).toBeUndefined();
    expect(created).toBe(1);
  });

  it("s3: other failures are thrown; a bucket is required", async () => {
    const store = s3ResultStore({
      bucket: "results",
      client: {
        putObject: async () => ({}),
        getObject: async () =>
          Promise.reject(Object.assign(new Error("Access Denied"), { name: "AccessDenied" })),
      },
    });
    await expect(store.get("jobs/1")).rejects.toThrow("Access Denied");
    expect(() => s3ResultStore({ bucket: "", client: {} as S3ObjectClient })).toThrow("`bucket` is required");
  });

  it("checkResultKey accepts S3-safe relative keys only", () => {
    for (const key of ["a", "reports/2025-01-31.json", "x/y/z_(1)!*'.txt", "a=b,c@d+e"])
      expect(checkResultKey(key)).toBe(key);
    for (const key of ["", "/a", "a/", "a//b", "..", "a/../b", "./a", "a b", "é", "a\\b", "x".repeat(513)])
      expect(() => checkResultKey(key)).toThrow(/invalid result key/);
  });
});
