import { afterEach, describe, expect, it, vi } from "vitest";
import { entry } from "../../src/core/entry.js";
import type { ErrorCode } from "../../src/core/error-codes.js";
import { TesseraError } from "../../src/core/errors.js";
import { backoffDelay, isRetryable } from "../../src/core/middleware/retry.js";
import type { RetryPolicy } from "../../src/core/policies.js";
import { service } from "../../src/core/service.js";
import { createMemoryBus, failsWith, useNodes } from "./fixtures.js";

/** An entry that fails `failures` times with `error()` and then answers "ok"; `calls()` counts attempts. */
function flaky(failures: number, error: () => unknown, retry: RetryPolicy, timeout?: number) {
  let calls = 0;
  const svc = service("flaky", {
    entries: {
      call: entry({ retry, ...(timeout === undefined ? {} : { timeout }) }, async () => {
        calls++;
        if (calls <= failures) throw error();
        return "ok";
      }),
    },
  });
  return { svc, calls: () => calls };
}

const err = (code: ErrorCode) => () => new TesseraError(code, code);

afterEach(() => {
  vi.restoreAllMocks();
});

describe("retry", () => {
  const startNode = useNodes();

  it.each(["TESSERA_UNAVAILABLE", "TESSERA_TIMEOUT", "TESSERA_OVERLOADED", "TESSERA_CIRCUIT_OPEN"] as const)(
    "retries %s until an attempt succeeds",
    async (code) => {
      const f = flaky(2, err(code), { attempts: 3, baseDelayMs: 1 });
      const node = await startNode({ services: [f.svc] });
      expect(await node.call(f.svc.entries.call)).toBe("ok");
      expect(f.calls()).toBe(3);
    },
  );

  it.each([
    ["TESSERA_CONFLICT", err("TESSERA_CONFLICT")],
    ["TESSERA_VALIDATION", err("TESSERA_VALIDATION")],
    ["TESSERA_INTERNAL (a plain Error)", () => new Error("bug")],
  ] as const)("never retries %s", async (_what, error) => {
    const f = flaky(1, error, { attempts: 5, baseDelayMs: 1 });
    const node = await startNode({ services: [f.svc] });
    await expect(node.call(f.svc.entries.call)).rejects.toBeInstanceOf(TesseraError);
    expect(f.calls()).toBe(1);
  });

  it("gives up after `attempts` with the last error", async () => {
    const f = flaky(10, err("TESSERA_UNAVAILABLE"), { attempts: 4, baseDelayMs: 1 });
    const node = await startNode({ services: [f.svc] });
    await failsWith(node.call(f.svc.entries.call), "TESSERA_UNAVAILABLE");
    expect(f.calls()).toBe(4);
  });

  it("retries only the codes listed in `on` when given", async () => {
    const listed = flaky(1, err("TESSERA_CONFLICT"), {
      attempts: 3,
      baseDelayMs: 1,
      on: ["TESSERA_CONFLICT"],
    });
    const unlisted = flaky(1, err("TESSERA_UNAVAILABLE"), {
      attempts: 3,
      baseDelayMs: 1,
      on: ["TESSERA_CONFLICT"],
    });
    const a = await startNode({ services: [listed.svc] });
    expect(await a.call(listed.svc.entries.call)).toBe("ok");
    expect(listed.calls()).toBe(2);
    const b = await startNode({ services: [unlisted.svc] });
    await failsWith(b.call(unlisted.svc.entries.call), "TESSERA_UNAVAILABLE");
    expect(unlisted.calls()).toBe(1);
  });

  it("never waits past the deadline: it gives up with the last error rather than sleep beyond it", async () => {
    const f = flaky(
      10,
      err("TESSERA_UNAVAILABLE"),
      { attempts: 10, baseDelayMs: 5000, maxDelayMs: 5000 },
      1000,
    );
    vi.spyOn(Math, "random").mockReturnValue(0.9);
    const node = await startNode({ services: [f.svc] });
    const t0 = Date.now();
    await failsWith(node.call(f.svc.entries.call), "TESSERA_UNAVAILABLE");
    expect(Date.now() - t0).toBeLessThan(900);
    expect(f.calls()).toBe(1);
  });

  it("fits as many attempts as the deadline allows", async () => {
    const f = flaky(100, err("TESSERA_UNAVAILABLE"), { attempts: 100, baseDelayMs: 40, maxDelayMs: 40 }, 300);
    vi.spyOn(Math, "random").mockReturnValue(1);
    const node = await startNode({ services: [f.svc] });
    await failsWith(node.call(f.svc.entries.call), "TESSERA_UNAVAILABLE");
    expect(f.calls()).toBeGreaterThan(1);
    expect(f.calls()).toBeLessThan(10);
  });

  it("retries a remote call on the calling node when no instance answers yet", async () => {
    const bus = createMemoryBus();
    const echo = service("echo", {
      entries: { ping: entry({ retry: { attempts: 20, baseDelayMs: 20, maxDelayMs: 20 } }, () => "pong") },
    });
    const caller = await startNode({ bus, services: [] });
    vi.spyOn(Math, "random").mockReturnValue(1);
    const pending = caller.call(echo.entries.ping);
    await new Promise((r) => setTimeout(r, 50));
    await startNode({ bus, services: [echo] });
    expect(await pending).toBe("pong");
  });
});

describe("backoffDelay and isRetryable", () => {
  it("grows exponentially up to maxDelayMs, scaled by full jitter", () => {
    vi.spyOn(Math, "random").mockReturnValue(1);
    const policy = { attempts: 10, baseDelayMs: 10, maxDelayMs: 100 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n))).toEqual([10, 20, 40, 80, 100, 100]);
    expect(backoffDelay({ ...policy, factor: 3 }, 2)).toBe(90);
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    expect(backoffDelay(policy, 2)).toBe(20);
  });

  it("defaults to 50 ms doubling, capped at 2 s", () => {
    vi.spyOn(Math, "random").mockReturnValue(1);
    expect(backoffDelay({ attempts: 3 }, 0)).toBe(50);
    expect(backoffDelay({ attempts: 3 }, 1)).toBe(100);
    expect(backoffDelay({ attempts: 3 }, 10)).toBe(2000);
  });

  it("stays within [0, ceiling] with real randomness", () => {
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay({ attempts: 3, baseDelayMs: 10 }, 1);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(20);
    }
  });

  it("retries only TesseraErrors with a retryable (or listed) code", () => {
    expect(isRetryable({ attempts: 2 }, TesseraError.timeout("t"))).toBe(true);
    expect(isRetryable({ attempts: 2 }, TesseraError.conflict("c"))).toBe(false);
    expect(isRetryable({ attempts: 2 }, new Error("x"))).toBe(false);
    expect(isRetryable({ attempts: 2, on: ["TESSERA_CONFLICT"] }, TesseraError.conflict("c"))).toBe(true);
    expect(isRetryable({ attempts: 2, on: ["TESSERA_CONFLICT"] }, TesseraError.timeout("t"))).toBe(false);
  });
});
