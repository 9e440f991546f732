import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryFlowStore, memoryTransport } from "../../src/adapters/memory/index.js";
import { loadProject } from "../../src/config/load-project.js";
import { createProjectNode } from "../../src/config/project-node.js";
import { createFlowEngine, flow, flowsService, signal } from "../../src/features/flows/index.js";
import { createNode, type RunningServer, serve, silentLogger } from "../../src/index.js";
import { runCliCaptured } from "../support/cli.js";

// The example project with its flows, on an in-memory store, served on a free port; the `flows`
// commands talk to it as they would to `npm start`.

const cli = (...argv: string[]) => cliAt(server.url, ...argv);

const cliAt = (url: string, ...argv: string[]) => runCliCaptured([...argv, "--url", url]);

let server: RunningServer;
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
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe("tesserae flows", () => {
  it("lists the project's flows (the config's `flows` run on the stage's store)", async () => {
    const { code, stdout } = await cli("flows", "list");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^FLOW +VERSION/);
    expect(stdout).toContain("text-pipeline");
    expect(stdout).toContain("book-trip");
  });

  it("starts a run and waits for its output; status shows its history", async () => {
    const started = await cli("flows", "start", "text-pipeline", '{"message":"hello world"}');
    expect(started.code).toBe(0);
    const run = JSON.parse(started.stdout) as { runId: string; output: unknown };
    expect(run.output).toEqual({ message: "DLROW OLLEH", count: 1 });
    const status = JSON.parse((await cli("flows", "status", run.runId)).stdout) as { history: unknown[] };
    expect(status.history).toHaveLength(3);
    expect((await cli("flows", "status", "--flow", "text-pipeline")).stdout).toContain(run.runId);
  });

  it("starts asynchronously with an idempotency key, cancels and retries", async () => {
    const a = JSON.parse(
      (
        await cli(
          "flows",
          "start",
          "book-trip",
          '{"traveller":"Ada","failAt":"car"}',
          "--async",
          "--key",
          "t1",
        )
      ).stdout,
    ) as {
      runId: string;
    };
    const b = JSON.parse(
      (await cli("flows", "start", "book-trip", '{"traveller":"Bob"}', "--async", "--key", "t1")).stdout,
    ) as {
      runId: string;
      existing: boolean;
    };
    expect(b).toMatchObject({ runId: a.runId, existing: true });
    await expect
      .poll(
        async () => (JSON.parse((await cli("flows", "status", a.runId)).stdout) as { status: string }).status,
      )
      .toBe("compensated");
    const retried = await cli("flows", "retry", a.runId);
    expect(retried.code).toBe(0);
    expect((await cli("flows", "cancel", a.runId)).code).toBe(0);
  });

  it("prints a refusal as CODE: message and exits 1", async () => {
    const bad = await cli("flows", "start", "text-pipeline", '{"message":5}');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^TESSERA_VALIDATION: invalid input: input\.message/);
    const signal = await cli("flows", "signal", "nope", "approval", "{}");
    expect(signal).toMatchObject({ code: 1, stderr: "TESSERA_NOT_FOUND: no run nope\n" });
    expect((await cli("flows", "frobnicate")).code).not.toBe(0);
  });
});

// The example project has no flow that waits for a signal: a node of its own serves one.
const approval = signal("approval", z.object({ approved: z.boolean() }));
const approve = flow("approve", { signals: [approval] }, async (ctx) => {
  const { approved } = await ctx.waitFor(approval);
  return { approved };
});

describe("tesserae flows signal", () => {
  let waiting: RunningServer;
  beforeAll(async () => {
    const engine = createFlowEngine({ store: memoryFlowStore(), flows: [approve], pollMs: 50 });
    const node = createNode({
      services: [flowsService(engine)],
      plugins: [engine],
      transport: memoryTransport(),
      logger: silentLogger,
    });
    waiting = await serve(node, { port: 0 });
  });
  afterAll(() => waiting.close());

  const status = async (runId: string) =>
    JSON.parse((await cliAt(waiting.url, "flows", "status", runId)).stdout) as {
      status: string;
      output?: unknown;
    };

  it("delivers a signal to a waiting run, which completes with its payload", async () => {
    const started = await cliAt(waiting.url, "flows", "start", "approve", "--async");
    expect(started.code).toBe(0);
    const { runId } = JSON.parse(started.stdout) as { runId: string };
    await expect.poll(async () => (await status(runId)).status, { timeout: 5000 }).toBe("waiting");
    const bad = await cliAt(waiting.url, "flows", "signal", runId, "approval", '{"approved":"yes"}');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^TESSERA_VALIDATION: /);
    expect((await status(runId)).status).toBe("waiting");
    const sent = await cliAt(waiting.url, "flows", "signal", runId, "approval", '{"approved":true}');
    expect(sent).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(sent.stdout)).toEqual({ runId, signal: "approval", accepted: true });
    await expect
      .poll(() => status(runId), { timeout: 5000 })
      .toMatchObject({ status: "completed", output: { approved: true } });
    // An ended run takes no more signals.
    const late = await cliAt(waiting.url, "flows", "signal", runId, "approval", '{"approved":false}');
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/^TESSERA_CONFLICT: /);
  });
});
