// Issue 19, retention: finished runs were never deleted. How long a node keeps them is set in the
// project file (`flowEngine`, the stage's section wins) or by TESSERA_FLOWS_RETENTION_MS,
// TESSERA_FLOWS_RETENTION_RUNS and TESSERA_FLOWS_PRUNE_EVERY_MS, and `tesserae config` shows them.
import { describe, expect, it } from "vitest";
import { memoryFlowStore } from "../../src/adapters/memory/index.js";
import { settingRows } from "../../src/cli/settings-rows.js";
import { resolveFlowSettings } from "../../src/config/flow-settings.js";
import { loadProject } from "../../src/config/load-project.js";
import { projectFlowEngine } from "../../src/config/project-flows.js";
import type { StoreSet } from "../../src/config/store-set.js";
import { silentLogger } from "../../src/core/logger.js";

const refusal = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    expect((err as { code: string }).code).toBe("TESSERA_CONFIG");
    return (err as Error).message;
  }
  throw new Error("not refused");
};

describe("retention settings of the flow engine", () => {
  it("come from the environment, else the stage, else the project file", () => {
    expect(
      resolveFlowSettings(
        { TESSERA_FLOWS_RETENTION_MS: "3600000", TESSERA_FLOWS_PRUNE_EVERY_MS: "0" },
        { retentionRuns: 500, retentionMs: 60_000 },
        { retentionRuns: 10, pruneEveryMs: 5000 },
      ),
    ).toEqual({ retentionMs: 3_600_000, retentionRuns: 500, pruneEveryMs: 0 });
  });

  it("a value that is no retention is refused, naming where it came from", () => {
    expect(
      refusal(() => resolveFlowSettings({ TESSERA_FLOWS_RETENTION_MS: "7d" }, undefined, undefined)),
    ).toBe(
      'TESSERA_FLOWS_RETENTION_MS: "7d" is not a whole number of milliseconds (e.g. 604800000 for 7 days)',
    );
    expect(refusal(() => resolveFlowSettings({}, undefined, { retentionMs: 0 }))).toMatch(
      /^flowEngine.retentionMs: "0" is not/,
    );
    expect(refusal(() => resolveFlowSettings({}, { retentionRuns: 2.5 }, undefined))).toBe(
      'flowEngine.retentionRuns of the stage: "2.5" is not a whole number of at least 1',
    );
    expect(
      refusal(() => resolveFlowSettings({ TESSERA_FLOWS_PRUNE_EVERY_MS: "-1" }, undefined, undefined)),
    ).toBe('TESSERA_FLOWS_PRUNE_EVERY_MS: "-1" is not a number of milliseconds');
  });

  it("a project's engine prunes by them, and tesserae config shows them with their layer", async () => {
    const project = await loadProject({
      config: "examples/text/tesserae.config.ts",
      store: "memory",
      processEnv: { ...process.env, TESSERA_FLOWS_RETENTION_MS: "1000", TESSERA_FLOWS_RETENTION_RUNS: "50" },
    });
    const store = memoryFlowStore();
    const engine = projectFlowEngine(
      project,
      { flowStore: () => store } as unknown as StoreSet,
      silentLogger,
    )!;
    const plans = engine.pruner.plans(10_000);
    expect(plans.find((p) => p.flow === "text-pipeline")).toEqual({
      flow: "text-pipeline",
      endedBefore: 9000,
      keepLast: 50,
    });
    expect(engine.pruner.everyMs).toBe(60_000);
    const rows = settingRows(project);
    expect(rows.find((r) => r.setting === "flowEngine.retentionMs")).toMatchObject({
      env: "TESSERA_FLOWS_RETENTION_MS",
      value: 1000,
      from: "process",
    });
    expect(rows.find((r) => r.setting === "flowEngine.pruneEveryMs")).toEqual({
      setting: "flowEngine.pruneEveryMs",
      env: "TESSERA_FLOWS_PRUNE_EVERY_MS",
      from: "default",
      default: "60000",
    });
  });

  it("unset, finished runs are kept 7 days", async () => {
    const project = await loadProject({
      config: "examples/text/tesserae.config.ts",
      store: "memory",
      processEnv: {},
    });
    const engine = projectFlowEngine(
      project,
      { flowStore: () => memoryFlowStore() } as unknown as StoreSet,
      silentLogger,
    )!;
    const week = 7 * 86_400_000;
    expect(engine.pruner.plans(week + 5).find((p) => p.flow === "book-trip")).toEqual({
      flow: "book-trip",
      endedBefore: 5,
      keepLast: undefined,
    });
    expect(settingRows(project).find((r) => r.setting === "flowEngine.retentionMs")).toMatchObject({
      from: "default",
      default: "604800000 (7 days)",
    });
  });
});
