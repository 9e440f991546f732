import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/config/load-project.js";
import { createProjectNode } from "../../src/config/project-node.js";
import { type RunningServer, serve, silentLogger } from "../../src/index.js";
import { runCliCaptured } from "../support/cli.js";

// The example project (its flows and declared flows on an in-memory store) served on a free port:
// machinery's paths work out of the box, and `tesserae flows show` draws its flows.

const cli = (...argv: string[]) => runCliCaptured([...argv, "--url", server.url]);

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

let server: RunningServer;
const dir = mkdtempSync(join(tmpdir(), "tesserae-show-"));
const saved = { ...process.env };
beforeAll(async () => {
  const project = await loadProject({
    config: "examples/text/tesserae.config.ts",
    store: "memory",
    processEnv: {},
  });
  server = await serve(await createProjectNode(project, silentLogger), { port: 0 });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe("the example system's declared flows and tesserae flows show", () => {
  it("runs upper → reverse → spaces over machinery's paths out of the box", async () => {
    const w = await post("/w", {
      name: "upper_reverse_spaces",
      services: ["upper", "reverse", "spaces"],
      inputs: [{ name: "message", type: "string" }],
      outputs: [
        { name: "message", type: "string" },
        { name: "count", type: "int" },
      ],
    });
    expect(w.status).toBe(201);
    const e = await post(`/e/${w.body.workflow_id}`, { message: "the sun will soon rise again !" });
    expect(e).toEqual({ status: 201, body: { message: "! NIAGA ESIR NOOS LLIW NUS EHT", count: 6 } });
  });

  it("prints a coded flow's diagram as Mermaid text", async () => {
    const r = await cli("flows", "show", "text-pipeline");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "flowchart TD",
        '  n0(["start"])',
        '  n1["upper<br/>call text.upper"]',
        '  n2["reverse<br/>call text.reverse"]',
        '  n3["spaces<br/>call text.spaces"]',
        '  n4(["end"])',
        "  n0 --> n1",
        "  n1 --> n2",
        "  n2 --> n3",
        "  n3 --> n4",
        "",
      ].join("\n"),
    );
  });

  it("writes a declared flow's diagram, and a run's, as SVG", async () => {
    const file = join(dir, "flow.svg");
    const r = await cli("flows", "show", "upper_reverse_spaces", "--svg", file);
    expect(r).toMatchObject({
      code: 0,
      stdout: `wrote ${file} (${readFileSync(file, "utf8").length} bytes)\n`,
    });
    expect(readFileSync(file, "utf8")).toMatch(
      /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*>reverse<[\s\S]*<\/svg>\n$/,
    );
    const run = await post("/flows/text-pipeline/runs", { input: { message: "a b" } });
    const runFile = join(dir, "run.svg");
    expect((await cli("flows", "show", "--run", String(run.body.runId), "--svg", runFile)).code).toBe(0);
    expect(readFileSync(runFile, "utf8")).toContain("text-pipeline — completed");
  });

  it("says which flow is unknown", async () => {
    const r = await cli("flows", "show", "nope");
    expect(r).toMatchObject({ code: 1, stderr: "TESSERA_NOT_FOUND: no declared flow nope\n" });
  });
});
