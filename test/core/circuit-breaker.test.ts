import { describe, expect, it } from "vitest";
import { entry } from "../../src/core/entry.js";
import { TesseraError } from "../../src/core/errors.js";
import { CircuitBreaker } from "../../src/core/middleware/circuit-breaker.js";
import type { BreakerPolicy } from "../../src/core/policies.js";
import { service } from "../../src/core/service.js";
import { failsWith, useNodes } from "./fixtures.js";

/** A breaker on a hand-driven clock. */
function breaker(policy: BreakerPolicy) {
  let now = 1_000_000;
  const b = new CircuitBreaker("svc.target", policy, () => now);
  return {
    b,
    advance: (ms: number) => {
      now += ms;
    },
    /** Admits a call and records its outcome. */
    call: (outcome: unknown) => {
      b.admit();
      b.record(outcome);
    },
  };
}

const down = TesseraError.unavailable("down");

function openError(fn: () => void): TesseraError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe("TESSERA_CIRCUIT_OPEN");
    return err as TesseraError;
  }
  throw new Error("expected the circuit to be open");
}

describe("CircuitBreaker", () => {
  const policy = { threshold: 0.5, minRequests: 4, windowMs: 10_000, openMs: 5000 };

  it("opens once enough calls failed in the window, then fails fast", () => {
    const { b, call } = breaker(policy);
    call(down);
    call(down);
    call(down);
    expect(b.current).toBe("closed");
    call(down);
    expect(b.current).toBe("open");
    const err = openError(() => b.admit());
    expect(err.message).toContain("svc.target");
    expect(err.details).toEqual({ target: "svc.target", retryInMs: 5000 });
  });

  it("stays closed below minRequests or below the failure threshold", () => {
    const few = breaker({ ...policy, minRequests: 10 });
    for (let i = 0; i < 9; i++) few.call(down);
    expect(few.b.current).toBe("closed");
    const mostlyOk = breaker(policy);
    for (let i = 0; i < 20; i++) mostlyOk.call(i % 3 === 2 ? down : undefined);
    expect(mostlyOk.b.current).toBe("closed");
  });

  it("counts only the failure codes of failOn (and any non-TesseraError)", () => {
    const { b, call } = breaker(policy);
    for (let i = 0; i < 10; i++) call(TesseraError.conflict("business rule"));
    for (let i = 0; i < 10; i++) call(new TesseraError("TESSERA_VALIDATION", "bad input"));
    expect(b.current).toBe("closed");
    for (let i = 0; i < 20; i++) call(new Error("bug"));
    expect(b.current).toBe("open");
    const custom = breaker({ ...policy, failOn: ["TESSERA_CONFLICT"] });
    for (let i = 0; i < 4; i++) custom.call(down);
    expect(custom.b.current).toBe("closed");
    for (let i = 0; i < 4; i++) custom.call(TesseraError.conflict("c"));
    expect(custom.b.current).toBe("open");
  });

  it("forgets failures older than the window", () => {
    const { b, call, advance } = breaker(policy);
    call(down);
    call(down);
    call(down);
    advance(11_000);
    call(down);
    expect(b.current).toBe("closed");
  });

  it("lets one trial call through after openMs, and closes again when it succeeds", () => {
    const { b, call, advance } = breaker(policy);
    for (let i = 0; i < 4; i++) call(down);
    advance(4999);
    const err = openError(() => b.admit());
    expect(err.details).toEqual({ target: "svc.target", retryInMs: 1 });
    advance(1);
    b.admit();
    expect(b.current).toBe("half-open");
    openError(() => b.admit());
    b.record(undefined);
    expect(b.current).toBe("closed");
    b.admit();
    b.admit();
  });

  it("opens again for openMs when the trial call fails", () => {
    const { b, call, advance } = breaker(policy);
    for (let i = 0; i < 4; i++) call(down);
    advance(5000);
    call(down);
    expect(b.current).toBe("open");
    advance(4000);
    openError(() => b.admit());
    advance(1000);
    b.admit();
    expect(b.current).toBe("half-open");
  });

  it("starts counting afresh after closing", () => {
    const { b, call, advance } = breaker(policy);
    for (let i = 0; i < 4; i++) call(down);
    advance(5000);
    call(undefined);
    expect(b.current).toBe("closed");
    call(down);
    call(down);
    call(down);
    expect(b.current).toBe("closed");
  });
});

describe("circuit breaker on an entry", () => {
  const startNode = useNodes();

  it("fails fast with TESSERA_CIRCUIT_OPEN without running the handler once open", async () => {
    let calls = 0;
    const svc = service("fragile", {
      entries: {
        call: entry({ breaker: { minRequests: 3, threshold: 0.5, openMs: 60_000 } }, () => {
          calls++;
          throw TesseraError.unavailable("database down");
        }),
      },
    });
    const node = await startNode({ services: [svc] });
    for (let i = 0; i < 3; i++) await failsWith(node.call(svc.entries.call), "TESSERA_UNAVAILABLE");
    const err = await failsWith(node.call(svc.entries.call), "TESSERA_CIRCUIT_OPEN");
    expect(err.details).toMatchObject({ target: "fragile.call" });
    expect(calls).toBe(3);
  });

  it("keeps one circuit per target", async () => {
    const svc = service("pair", {
      entries: {
        bad: entry({ breaker: { minRequests: 2, openMs: 60_000 } }, () => {
          throw TesseraError.unavailable("down");
        }),
        good: entry({ breaker: { minRequests: 2, openMs: 60_000 } }, () => "fine"),
      },
    });
    const node = await startNode({ services: [svc] });
    for (let i = 0; i < 2; i++) await failsWith(node.call(svc.entries.bad), "TESSERA_UNAVAILABLE");
    await failsWith(node.call(svc.entries.bad), "TESSERA_CIRCUIT_OPEN");
    expect(await node.call(svc.entries.good)).toBe("fine");
  });
});
