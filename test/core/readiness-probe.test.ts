import { describe, expect, it } from "vitest";
import { ReadinessProbe } from "../../src/core/readiness-probe.js";

describe("readiness probe", () => {
  it("a check that throws is not ready, with its message; the others are", async () => {
    const probe = new ReadinessProbe(() => [
      { name: "event store", target: "postgres://app:***@db/app", ping: async () => 1 },
      { name: "flow store", ping: () => Promise.reject(new Error("connect ECONNREFUSED")) },
    ]);
    expect(await probe.run()).toEqual([
      { name: "event store", target: "postgres://app:***@db/app", ready: true },
      { name: "flow store", ready: false, error: "connect ECONNREFUSED" },
    ]);
  });

  it("a check that never answers is not ready once its timeout passes", async () => {
    const probe = new ReadinessProbe(() => [{ name: "hung", ping: () => new Promise(() => undefined) }], {
      timeoutMs: 20,
    });
    expect(await probe.run()).toEqual([{ name: "hung", ready: false, error: "no answer within 20 ms" }]);
  });

  it("an outcome is reused within cacheMs and concurrent probes share one run", async () => {
    let pings = 0;
    let now = 0;
    const probe = new ReadinessProbe(
      () => [{ name: "s", ping: async () => pings++ }],
      { cacheMs: 1000 },
      () => now,
    );
    await Promise.all([probe.run(), probe.run(), probe.run()]);
    expect(pings).toBe(1);
    now = 999;
    await probe.run();
    expect(pings).toBe(1);
    now = 1000;
    await probe.run();
    expect(pings).toBe(2);
  });
});
