import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryFlowStore, memoryTransport } from "../../src/adapters/memory/index.js";
import { createFlowEngine, flow, flowsService, signal } from "../../src/features/flows/index.js";
import { createNode, type RunningServer, serve, silentLogger } from "../../src/index.js";
import { runCliCaptured } from "../support/cli.js";

// Issue 19, retention: finished runs were never deleted (46,000 after 30 s of load stayed for ever).
// `tesserae flows prune` deletes them by hand through the node's POST /flows/prune.

const go = signal("go", z.object({}));
const quick = flow("quick", { input: z.object({ n: z.number() }) }, async (ctx, { n }) =>
  ctx.step("double", async () => n * 2),
);
const kept = flow("kept", { retention: { maxRuns: 2 } }, async (ctx) => ctx.step("one", async () => 1));
const waits = flow("waits", { signals: [go] }, async (ctx) => {
  await ctx.waitFor(go);
  return "done";
});

const store = memoryFlowStore();
let server: RunningServer;
const cli = (...argv: string[]) => runCliCaptured(["flows", ...argv, "--url", server.url]);

beforeAll(async () => {
  const engine = createFlowEngine({ store, flows: [quick, kept, waits], pollMs: 50, pruneEveryMs: 0 });
  const node = createNode({
    services: [flowsService(engine)],
    plugins: [engine],
    transport: memoryTransport(),
    logger: silentLogger,
  });
  server = await serve(node, { port: 0 });
});
afterAll(() => server.close());

const start = async (name: string, input: string) => {
  const r = await cli("start", name, input);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { runId: string; status: string };
};

describe("tesserae flows prune", () => {
  it("--help says what it deletes and how to bound it", async () => {
    const { code, stdout } = await runCliCaptured(["flows", "--help"]);
    expect(code).toBe(0);
    // The usage line names every option of prune (it left out --flow: issue 19 verification).
    expect(stdout).toContain("prune [--flow f] [--older-than 30d] [--keep n] [--dry-run]");
    expect(stdout).toContain("--older-than <duration>");
    expect(stdout).toContain("never running, waiting or blocked ones");
  });

  it("deletes finished runs by hand, counts them first with --dry-run, and never touches a waiting run", async () => {
    const done = [];
    for (let n = 0; n < 5; n++) done.push(await start("quick", JSON.stringify({ n })));
    for (let n = 0; n < 4; n++) await start("kept", "{}");
    const waiting = JSON.parse((await cli("start", "waits", "--async")).stdout) as { runId: string };
    await expect
      .poll(
        async () => (JSON.parse((await cli("status", waiting.runId)).stdout) as { status: string }).status,
      )
      .toBe("waiting");

    // Each flow's own retention: 7 days by default (nothing yet), 2 runs for `kept`.
    const dry = await cli("prune", "--dry-run");
    expect(dry).toMatchObject({ code: 0, stderr: "" });
    expect(dry.stdout).toMatch(/FLOW +WOULD PRUNE\nkept +2\n/);
    expect(dry.stdout).toContain("would prune 2 finished runs (dry run: nothing deleted)");
    expect((await store.listRuns({ flow: "kept" })).length).toBe(4);
    expect((await cli("prune")).stdout).toContain("pruned 2 finished runs");
    expect((await store.listRuns({ flow: "kept" })).length).toBe(2);

    // Explicit bounds win over the flows' retention; --flow picks one.
    const one = await cli("prune", "--flow", "quick", "--older-than", "0", "--dry-run");
    expect(one.stdout).toMatch(/quick +5\n/);
    const all = await cli("prune", "--older-than", "0");
    expect(all.stdout).toMatch(/quick +5\n/);
    expect(all.stdout).toMatch(/kept +2\n/);
    expect(all.stdout).toContain("pruned 7 finished runs");
    const gone = await cli("status", done[0]!.runId);
    expect(gone).toMatchObject({ code: 1, stderr: `TESSERA_NOT_FOUND: no run ${done[0]!.runId}\n` });
    expect((await cli("status", waiting.runId)).code).toBe(0);
    expect((await cli("prune", "--older-than", "0")).stdout).toBe("pruned 0 finished runs\n");
  });

  it("refuses a duration it cannot read, naming the field, and deletes nothing", async () => {
    await start("quick", '{"n":1}');
    const bad = await cli("prune", "--older-than", "soon");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^TESSERA_VALIDATION: .*olderThan.*"30d"/);
    const negative = await cli("prune", "--keep", "-1");
    expect(negative.code).toBe(1);
    expect(negative.stderr).toMatch(/^TESSERA_VALIDATION: .*keep/);
    expect((await store.listRuns({ flow: "quick" })).length).toBe(1);
  });
});
