import { describe, expect, it } from "vitest";
import { memoryFlowStore } from "../../src/adapters/memory/index.js";
import { memoryTransport } from "../../src/adapters/memory/memory-transport.js";
import { resolveFlowSettings } from "../../src/config/flow-settings.js";
import { loadProject } from "../../src/config/load-project.js";
import { projectFlowEngine } from "../../src/config/project-flows.js";
import type { StoreSet } from "../../src/config/store-set.js";
import { silentLogger } from "../../src/core/logger.js";
import { createNode } from "../../src/core/node.js";
import { flow } from "../../src/features/flows/flow.js";

// Issue 15, item 4: the flow lease (30 s, fixed) could be set neither by the project file nor by the
// environment, so a dead node's runs waited 30 s whatever the deployment wanted.

describe("flow engine settings", () => {
  it("the lease, renewal, poll, batch and grace come from the environment, else the stage, else the project file", () => {
    expect(resolveFlowSettings({}, undefined, undefined)).toEqual({});
    expect(
      resolveFlowSettings(
        { TESSERA_FLOWS_LEASE_MS: "6000", TESSERA_FLOWS_CLAIM_BATCH: "3" },
        { pollMs: 200, leaseMs: 9000 },
        { pollMs: 700, renewMs: 1500, stopGraceMs: 0 },
      ),
    ).toEqual({ leaseMs: 6000, claimBatch: 3, pollMs: 200, renewMs: 1500, stopGraceMs: 0 });
  });

  it("a value that is not a positive number is refused, naming where it came from", () => {
    expect(() => resolveFlowSettings({ TESSERA_FLOWS_LEASE_MS: "10s" }, undefined, undefined)).toThrow(
      /TESSERA_FLOWS_LEASE_MS: "10s" is not a number of milliseconds/,
    );
    expect(() => resolveFlowSettings({}, undefined, { claimBatch: 2.5 })).toThrow(/flowEngine.claimBatch/);
    expect(() => resolveFlowSettings({}, { pollMs: 0 }, undefined)).toThrow(/of the stage/);
    try {
      resolveFlowSettings({ TESSERA_FLOWS_RENEW_MS: "5000" }, undefined, undefined);
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe("TESSERA_CONFIG");
      expect((err as Error).message).toMatch(
        /TESSERA_FLOWS_RENEW_MS \(5000\) must be shorter than the default lease: 4000 ms/,
      );
    }
  });

  it("TESSERA_FLOWS_LEASE_MS=1000 TESSERA_FLOWS_RENEW_MS=1000 is refused naming the variables, not flowEngine.renewMs", () => {
    const env = { TESSERA_FLOWS_LEASE_MS: "1000", TESSERA_FLOWS_RENEW_MS: "1000" };
    let message = "";
    try {
      resolveFlowSettings(env, undefined, { renewMs: 500 });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(
      "TESSERA_FLOWS_RENEW_MS (1000) must be shorter than the lease (TESSERA_FLOWS_LEASE_MS): 1000 ms",
    );
    expect(message).not.toContain("flowEngine.renewMs");
    expect(() => resolveFlowSettings({}, { renewMs: 3000 }, { leaseMs: 2000 })).toThrow(
      "flowEngine.renewMs of the stage (3000) must be shorter than the lease (flowEngine.leaseMs): 2000 ms",
    );
  });

  it("a project's flow engine ignored every lease setting: TESSERA_FLOWS_LEASE_MS sets its lease", async () => {
    const project = await loadProject({
      config: "examples/text/tesserae.config.ts",
      store: "memory",
      processEnv: { ...process.env, TESSERA_FLOWS_LEASE_MS: "60000", TESSERA_FLOWS_STOP_GRACE_MS: "0" },
    });
    const store = memoryFlowStore();
    const engine = projectFlowEngine(
      project,
      { flowStore: () => store } as unknown as StoreSet,
      silentLogger,
    )!;
    const hold = flow("hold", {}, async (ctx) => {
      await ctx.step("forever", () => new Promise<void>(() => undefined));
    });
    engine.define(hold);
    const node = createNode({ services: [], transport: memoryTransport(), logger: silentLogger });
    await engine.start(node);
    try {
      const before = Date.now();
      const { run } = await engine.startRun(hold, undefined);
      const lease = ((await store.getRun(run.id))?.leaseUntil ?? 0) - before;
      expect(lease).toBeGreaterThan(50_000);
      expect(lease).toBeLessThan(70_000);
    } finally {
      await engine.stop();
    }
  });

  it("TESSERA_FLOWS_TAKEOVERS sets how many takeovers without progress a project's runs may take (issue 19)", async () => {
    expect(() => resolveFlowSettings({ TESSERA_FLOWS_TAKEOVERS: "0" }, undefined, undefined)).toThrow(
      'TESSERA_FLOWS_TAKEOVERS: "0" is not a whole number of at least 1',
    );
    expect(resolveFlowSettings({}, undefined, { takeovers: 3 })).toEqual({ takeovers: 3 });
    const project = await loadProject({
      config: "examples/text/tesserae.config.ts",
      store: "memory",
      processEnv: { ...process.env, TESSERA_FLOWS_TAKEOVERS: "1" },
    });
    const store = memoryFlowStore();
    const engine = projectFlowEngine(
      project,
      { flowStore: () => store } as unknown as StoreSet,
      silentLogger,
    )!;
    const frozen = flow("frozen", {}, async () => "never run");
    engine.define(frozen);
    // A worker claimed the run and vanished (its lease long expired).
    await store.commit({
      owner: "x",
      now: 1,
      leaseMs: 1,
      creates: [{ id: "run-frozen", flow: "frozen", version: frozen.version, input: null }],
      writes: [],
    });
    await store.claim({ owner: "gone", flows: ["frozen"], limit: 1, leaseMs: 1, now: 2 });
    const node = createNode({ services: [], transport: memoryTransport(), logger: silentLogger });
    await engine.start(node);
    try {
      const end = await engine.awaitRun("run-frozen", 5000);
      expect(end).toMatchObject({
        status: "failed",
        error: { code: "TESSERA_FLOW_BUDGET", details: { takeovers: 1 } },
      });
    } finally {
      await engine.stop();
    }
  });
});
