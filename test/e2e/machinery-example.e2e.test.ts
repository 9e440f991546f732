// Issue 16, item 1, done when: machinery's README workflow (`process-text`, with "operations": []
// and a `space_count` output) is accepted by the example system as `npm start` runs it, and its
// event answers 201 with the upper-cased message. It used to be refused three times over: the
// unknown `operations` field, the output no service provides, and the name, taken by the
// example's coded flow (now `text-pipeline`). The material is machinery's, verbatim
// (test/fixtures/machinery); the process is `npm start`'s command, on a temporary SQLite store and
// a free port.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { acceptanceCollection, readmeStructures } from "../features/declared-flows/machinery-material.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const warnings = [
  { field: "operations", message: "Unknown field: ignored." },
  { field: "outputs.1", message: 'No flow input or earlier step provides "space_count".' },
];

describe("machinery's README workflow on the example system (npm start)", () => {
  let child: ChildProcess | undefined;
  let base = "";
  const dir = mkdtempSync(join(tmpdir(), "tesserae-machinery-"));

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", LOG_LEVEL: "warn" };
    for (const key of Object.keys(env)) if (/^(PORT|TESSERA_.*)$/.test(key)) delete env[key];
    // package.json's "start", with a store and a port of its own.
    child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "src/cli/main.ts",
        "start",
        "--config",
        "examples/text/tesserae.config.ts",
        "--store",
        `sqlite:${join(dir, "dev.db")}`,
        "--port",
        "0",
      ],
      { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (output = (output + d).slice(-20_000)));
    base = await vi.waitFor(
      () => {
        if (child!.exitCode !== null) throw new Error(`tesserae start exited:\n${output}`);
        const m = /listening on (http:\/\/\S+)/.exec(output);
        if (m === null) throw new Error(`not listening yet:\n${output}`);
        return m[1]!;
      },
      { timeout: 60_000, interval: 50 },
    );
  }, 70_000);

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child!.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (path: string, body: string) => {
    const res = await fetch(base + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("accepts its README's workflow as written, and its README's event answers 201 with the message upper-cased", async () => {
    const { workflow, event } = readmeStructures();
    const w = await post("/w", JSON.stringify(workflow));
    expect(w).toEqual({ status: 201, body: { workflow_id: expect.any(String), warnings } });
    const e = await post(`/e/${w.body.workflow_id}`, JSON.stringify(event));
    // upper, reverse, space-counter (the example's spaces entry, which answers `count`): the merged data.
    expect(e).toEqual({ status: 201, body: { message: "! GNINROM EHT NI ESIR LLIW NUS EHT", count: 7 } });
  });

  it("accepts its acceptance collection's process-text over upper, and the event answers the message upper-cased", async () => {
    const [, create, , send] = acceptanceCollection();
    const w = await post("/w", create!.body);
    expect(w.status).toBe(create!.status);
    expect(w.body).toEqual({ workflow_id: expect.any(String), warnings });
    const e = await post(`/e/${w.body.workflow_id}`, send!.body);
    expect(e).toEqual({ status: send!.status, body: { message: "THE SUN WILL SOON RISE AGAIN !" } });
  });

  it("keeps the example's coded flow under its own name beside the declared process-text", async () => {
    const flows = (await (await fetch(`${base}/flows`)).json()) as { name: string }[];
    expect(flows.map((f) => f.name)).toEqual(
      expect.arrayContaining(["text-pipeline", "book-trip", "process-text"]),
    );
  });
});
