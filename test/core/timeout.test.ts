import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import type { CallMeta } from "../../src/core/call-meta.js";
import type { Context } from "../../src/core/context.js";
import { entry } from "../../src/core/entry.js";
import { raceDeadline, withTimeout } from "../../src/core/middleware/timeout.js";
import { service } from "../../src/core/service.js";
import { createMemoryBus, failsWith, useNodes, waitFor } from "./fixtures.js";

/**
 * Records when the context's signal aborts, and ends a little later (or when released, or after
 * 10 s), so that the timeout, not the handler, settles the call (see the todo on handlers that
 * give up at once).
 */
function waitForAbort(ctx: Context, record: SlowRecord): Promise<string> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve("not aborted"), 10_000);
    record.release = () => {
      clearTimeout(t);
      resolve("released");
    };
    ctx.signal.addEventListener("abort", () => {
      record.aborted = true;
      clearTimeout(t);
      setTimeout(() => resolve("aborted"), 100);
    });
  });
}

interface SlowRecord {
  aborted: boolean;
  started: boolean;
  release: () => void;
}

function slowService(options: { timeout?: number; entryTimeout?: number } = {}) {
  const record: SlowRecord = { aborted: false, started: false, release: () => undefined };
  const svc = service("slow", {
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    entries: {
      wait: entry(options.entryTimeout === undefined ? {} : { timeout: options.entryTimeout }, (_i, ctx) => {
        record.started = true;
        return waitForAbort(ctx, record);
      }),
      quick: entry({ input: z.object({ v: z.number() }), timeout: 1000 }, ({ v }) => v * 2),
    },
  });
  return { svc, record };
}

describe("timeout", () => {
  const startNode = useNodes();

  it("fails a call past the entry's timeout with TESSERA_TIMEOUT and aborts ctx.signal", async () => {
    const { svc, record } = slowService({ entryTimeout: 100 });
    const node = await startNode({ services: [svc] });
    const t0 = Date.now();
    const err = await failsWith(node.call(svc.entries.wait), "TESSERA_TIMEOUT");
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(err.message).toContain("slow.wait");
    await waitFor(() => expect(record.aborted).toBe(true));
  });

  it("applies the service's timeout to its entries", async () => {
    const { svc, record } = slowService({ timeout: 100 });
    const node = await startNode({ services: [svc] });
    await failsWith(node.call(svc.entries.wait), "TESSERA_TIMEOUT");
    await waitFor(() => expect(record.aborted).toBe(true));
  });

  it("lets the entry's timeout override the service's", async () => {
    const { svc } = slowService({ timeout: 10_000, entryTimeout: 100 });
    const node = await startNode({ services: [svc] });
    const t0 = Date.now();
    await failsWith(node.call(svc.entries.wait), "TESSERA_TIMEOUT");
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("honours a per-call timeout option", async () => {
    const { svc, record } = slowService();
    const node = await startNode({ services: [svc] });
    const t0 = Date.now();
    await failsWith(node.call(svc.entries.wait, undefined, { timeout: 100 }), "TESSERA_TIMEOUT");
    expect(Date.now() - t0).toBeLessThan(2000);
    await waitFor(() => expect(record.aborted).toBe(true));
  });

  it("leaves a call that finishes in time alone", async () => {
    const { svc } = slowService();
    const node = await startNode({ services: [svc] });
    expect(await node.call(svc.entries.quick, { v: 21 })).toBe(42);
  });

  it("fails a remote call past the entry's timeout and aborts the remote handler's signal", async () => {
    const { svc, record } = slowService({ entryTimeout: 100 });
    const bus = createMemoryBus();
    await startNode({ bus, services: [svc] });
    const caller = await startNode({ bus, services: [], requestTimeout: 10_000 });
    const t0 = Date.now();
    await failsWith(caller.call(svc.entries.wait), "TESSERA_TIMEOUT");
    expect(Date.now() - t0).toBeLessThan(2000);
    await waitFor(() => expect(record.aborted).toBe(true));
  });

  it("bounds a remote call without deadline by the node's requestTimeout", async () => {
    const { svc, record } = slowService();
    const bus = createMemoryBus();
    await startNode({ bus, services: [svc] });
    const caller = await startNode({ bus, services: [], requestTimeout: 100 });
    const t0 = Date.now();
    await failsWith(caller.call(svc.entries.wait), "TESSERA_TIMEOUT");
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(record.started).toBe(true);
    // The callee is not told about requestTimeout (see the todo below): end its handler here.
    record.release();
  });

  it("applies the service's timeout to a remote caller as it does to a local one", async () => {
    const { svc, record } = slowService({ timeout: 100 });
    const bus = createMemoryBus();
    await startNode({ bus, services: [svc] });
    const caller = await startNode({ bus, services: [], requestTimeout: 10_000 });
    const t0 = Date.now();
    await failsWith(caller.call(svc.entries.wait), "TESSERA_TIMEOUT");
    expect(Date.now() - t0).toBeLessThan(2000);
    await waitFor(() => expect(record.aborted).toBe(true));
  });

  it("fails with TESSERA_TIMEOUT when the handler gives up as soon as ctx.signal aborts", async () => {
    const svc = service("eager", {
      entries: {
        wait: entry({ timeout: 30 }, (_i, ctx) => {
          return new Promise((resolve, reject) => {
            // Like fetch(url, { signal }): reject with the abort reason, or resolve with what it has.
            ctx.signal.addEventListener("abort", () =>
              Math.random() < 0.5 ? reject(ctx.signal.reason) : resolve("partial"),
            );
          });
        }),
      },
    });
    const node = await startNode({ services: [svc] });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () =>
        node.call(svc.entries.wait).then(
          () => "ok",
          (e: { code?: string }) => e.code,
        ),
      ),
    );
    expect(outcomes).toEqual(Array(20).fill("TESSERA_TIMEOUT"));
  });

  it("tells the callee the deadline implied by requestTimeout, so its ctx.signal aborts", async () => {
    const { svc, record } = slowService();
    const bus = createMemoryBus();
    await startNode({ bus, services: [svc] });
    const caller = await startNode({ bus, services: [], requestTimeout: 100 });
    await failsWith(caller.call(svc.entries.wait), "TESSERA_TIMEOUT");
    await waitFor(() => expect(record.aborted).toBe(true));
  });
});

describe("raceDeadline / withTimeout", () => {
  const meta = (deadline: number | undefined): CallMeta => ({
    requestId: "r",
    identity: undefined,
    deadline,
    signal: undefined,
  });

  it("rejects at once when the deadline has passed", async () => {
    await failsWith(raceDeadline(new Promise(() => undefined), Date.now() - 1, "t"), "TESSERA_TIMEOUT");
  });

  it("passes results and errors through before the deadline", async () => {
    expect(await raceDeadline(Promise.resolve(1), Date.now() + 1000, "t")).toBe(1);
    await expect(raceDeadline(Promise.reject(new Error("x")), Date.now() + 1000, "t")).rejects.toThrow("x");
  });

  it("treats a result or a failure that arrives after the deadline as a timeout", async () => {
    const deadline = Date.now() + 1000;
    const late = raceDeadline(Promise.resolve("partial"), deadline, "t");
    const failed = raceDeadline(Promise.reject(new Error("AbortError")), deadline, "t");
    // The deadline passes before the settled promises are looked at (before the coarse timer fires).
    vi.spyOn(Date, "now").mockReturnValue(deadline + 1);
    try {
      await failsWith(late, "TESSERA_TIMEOUT");
      await failsWith(failed, "TESSERA_TIMEOUT");
    } finally {
      vi.restoreAllMocks();
    }
  });

  it("narrows the deadline it passes on, never extending the caller's", async () => {
    const seen: (number | undefined)[] = [];
    const next = async (_input: unknown, m: CallMeta) => {
      seen.push(m.deadline);
      return "ok";
    };
    const callerDeadline = Date.now() + 200;
    await withTimeout(60_000, "t", next)(undefined, meta(callerDeadline));
    expect(seen[0]).toBe(callerDeadline);
    const before = Date.now();
    await withTimeout(50, "t", next)(undefined, meta(Date.now() + 60_000));
    expect(seen[1]).toBeGreaterThanOrEqual(before + 50);
    expect(seen[1]).toBeLessThan(before + 1000);
    await withTimeout(50, "t", next)(undefined, meta(undefined));
    expect(seen[2]).toBeGreaterThanOrEqual(before + 50);
  });
});
