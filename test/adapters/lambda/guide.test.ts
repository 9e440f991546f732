import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { v2Event } from "./fixtures/events.js";

// The README's hand-written handler (examples/guide/lambda.ts), configured as `tesserae deploy`
// configures a function: TESSERA_STAGE, TESSERA_RESULTS_BUCKET; without a bucket its results go to a
// folder that Lambda lets it write (/tmp). Each test loads a fresh copy: the handler reads its
// environment on the first event and keeps what it made.

const dir = mkdtempSync(join(tmpdir(), "tesserae-guide-lambda-"));
const key = `guide-test-${process.pid}/1.json`;
afterEach(() => vi.unstubAllEnvs());
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(join("/tmp/tesserae-results", key.split("/")[0]!), { recursive: true, force: true });
});

async function guideHandler(env: Record<string, string | undefined>) {
  for (const name of [
    "STAGE",
    "RESULTS_BUCKET",
    "TESSERA_STAGE",
    "TESSERA_RESULTS_BUCKET",
    "TESSERA_RESULTS_DIR",
  ])
    vi.stubEnv(name, env[name]);
  vi.stubEnv("LOG_LEVEL", "warn");
  vi.resetModules();
  return (await import("../../../examples/guide/lambda.js")).handler;
}

const asyncUpper = (message: string) => ({
  tessera: "async",
  key,
  request: { method: "POST", path: "/text/upper", body: { message } },
});

describe("the guide's Lambda handler", () => {
  it("answers an HTTP API event, and stores an async invocation read back by a result event", async () => {
    const handler = await guideHandler({ TESSERA_RESULTS_DIR: dir });
    const r = await handler(
      v2Event({
        method: "POST",
        path: "/pipeline/process",
        headers: { "content-type": "application/json" },
        body: '{"message":"a b"}',
      }),
    );
    expect(r).toMatchObject({ statusCode: 200, body: '{"message":"B A","count":1}' });
    const stored = await handler(asyncUpper("x"));
    expect(stored).toMatchObject({ key, status: 200, body: '{"message":"X"}' });
    expect(JSON.parse(readFileSync(join(dir, key), "utf8"))).toEqual(stored);
    expect(await handler({ tessera: "result", key })).toEqual(stored);
  });

  it("runs in the stage of TESSERA_STAGE (what deploy sets), not of STAGE", async () => {
    const handler = await guideHandler({ TESSERA_STAGE: "prod", STAGE: "qa", TESSERA_RESULTS_DIR: dir });
    const r = await handler(v2Event({ method: "GET", path: "/registry" }));
    expect(r).toMatchObject({ statusCode: 200 });
    expect(JSON.parse((r as { body: string }).body).self.stage).toBe("prod");
    const dev = await guideHandler({ TESSERA_RESULTS_DIR: dir });
    const d = await dev(v2Event({ method: "GET", path: "/registry" }));
    expect(JSON.parse((d as { body: string }).body).self.stage).toBe("dev");
  });

  it("without a bucket, stores results under /tmp (the only folder Lambda can write)", async () => {
    const handler = await guideHandler({});
    const stored = await handler(asyncUpper("tmp"));
    expect(stored).toMatchObject({ key, status: 200, body: '{"message":"TMP"}' });
    expect(existsSync(join("/tmp/tesserae-results", key))).toBe(true);
    expect(existsSync(join(".tesserae", "results", key))).toBe(false);
  });

  it("with TESSERA_RESULTS_BUCKET (what deploy sets), stores results in S3 through the runtime's SDK", async () => {
    // No AWS SDK here: that the handler reaches for it shows the bucket was taken.
    const handler = await guideHandler({ TESSERA_RESULTS_BUCKET: "results", RESULTS_BUCKET: undefined });
    await expect(handler(asyncUpper("s3"))).rejects.toThrow(/@aws-sdk\/client-s3/);
  });
});
