import { describe, expect, it } from "vitest";
import type { Logger } from "../../src/core/logger.js";
import { Backoff, RepeatedFailure } from "../../src/core/repeated-failure.js";

interface Line {
  readonly level: string;
  readonly msg: string;
  readonly fields: Record<string, unknown> | undefined;
}

function capture(): { log: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void =>
      void lines.push({ level, msg, fields });
  const log: Logger = {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => log,
  };
  return { log, lines };
}

function clock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

const down = new Error("connect ECONNREFUSED 127.0.0.1:5432");

describe("RepeatedFailure", () => {
  it("logs the first failure, counts the repeats, gives the count at growing intervals and says when it works again", () => {
    const { log, lines } = capture();
    const c = clock();
    const f = new RepeatedFailure(log, "storing the state", {
      now: c.now,
      reportMs: 10_000,
      maxReportMs: 40_000,
    });
    // 10 failures a second for 100 s: 1000 failures.
    for (let i = 0; i < 1000; i++) {
      f.failed(down);
      c.advance(100);
    }
    expect(f.failing).toBe(true);
    expect(f.count).toBe(1000);
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      "warn storing the state failed: connect ECONNREFUSED 127.0.0.1:5432 (retrying; repeats are counted, not logged)",
      // 10 s, then 20 s, then 40 s (the cap), then 40 s again would be at 110 s: past the end.
      "warn storing the state failed 100 more times in the last 10 s (connect ECONNREFUSED 127.0.0.1:5432)",
      "warn storing the state failed 200 more times in the last 20 s (connect ECONNREFUSED 127.0.0.1:5432)",
      "warn storing the state failed 400 more times in the last 40 s (connect ECONNREFUSED 127.0.0.1:5432)",
    ]);
    expect(lines[0]!.fields?.err).toBe(down);
    expect(lines[3]!.fields).toMatchObject({ repeats: 400, failures: 701, windowMs: 40_000 });
    f.recovered();
    expect(lines.at(-1)).toEqual({
      level: "info",
      msg: "storing the state works again after 1000 failures in 100 s",
      fields: { failures: 1000, outageMs: 100_000 },
    });
    expect(f.failing).toBe(false);
    // A success when nothing failed says nothing.
    f.recovered();
    expect(lines).toHaveLength(5);
  });

  it("starts over after a recovery: the next outage's first failure is logged again", () => {
    const { log, lines } = capture();
    const c = clock();
    const f = new RepeatedFailure(log, "claiming runs", { now: c.now });
    f.failed(down);
    c.advance(500);
    f.recovered();
    f.failed(down);
    expect(lines.map((l) => l.msg)).toEqual([
      "claiming runs failed: connect ECONNREFUSED 127.0.0.1:5432 (retrying; repeats are counted, not logged)",
      "claiming runs works again after 1 failure in 500 ms",
      "claiming runs failed: connect ECONNREFUSED 127.0.0.1:5432 (retrying; repeats are counted, not logged)",
    ]);
  });

  it("logs each new kind of failure once, numbers aside, and at most five kinds an outage", () => {
    const { log, lines } = capture();
    const f = new RepeatedFailure(log, "publishing the outbox", { now: clock().now, level: "error" });
    f.failed(new Error("connect ECONNREFUSED 127.0.0.1:4222"));
    f.failed(new Error("connect ECONNREFUSED 127.0.0.1:4223")); // the same kind
    f.failed(Object.assign(new Error("no stream"), { code: "TESSERA_UNAVAILABLE" }));
    for (let i = 0; i < 10; i++) f.failed(new Error(`failure of kind ${"x".repeat(i)}`));
    expect(lines.every((l) => l.level === "error")).toBe(true);
    expect(lines.map((l) => l.msg.split(" (retrying")[0])).toEqual([
      "publishing the outbox failed: connect ECONNREFUSED 127.0.0.1:4222",
      "publishing the outbox failed: no stream",
      "publishing the outbox failed: failure of kind ",
      "publishing the outbox failed: failure of kind x",
      "publishing the outbox failed: failure of kind xx",
    ]);
    expect(f.count).toBe(13);
  });

  it("returns growing pauses with jitter, up to the cap, and starts them over after a recovery", () => {
    const { log } = capture();
    let r = 0;
    const random = () => r;
    const f = new RepeatedFailure(log, "x", { backoff: { baseDelayMs: 100, maxDelayMs: 1000 }, random });
    const lows = [0, 1, 2, 3, 4, 5].map(() => f.failed(down));
    expect(lows).toEqual([50, 100, 200, 400, 500, 500]);
    f.recovered();
    r = 0.999_999;
    expect([0, 1, 2, 3, 4, 5].map(() => f.failed(down))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("a custom recovery line replaces the default one, with the same fields", () => {
    const { log, lines } = capture();
    const c = clock();
    const f = new RepeatedFailure(log, "setting up the consumer", { now: c.now });
    f.failed(down);
    f.failed(down);
    c.advance(3000);
    f.recovered("JetStream set up the consumer after 3000 ms", { afterMs: 3000 });
    expect(lines.at(-1)).toEqual({
      level: "info",
      msg: "JetStream set up the consumer after 3000 ms",
      fields: { afterMs: 3000, failures: 2, outageMs: 3000 },
    });
  });
});

describe("Backoff", () => {
  it("defaults to 100 ms doubling up to 10 s, each pause between half and all of its ceiling", () => {
    const b = new Backoff({}, () => 0.5);
    const pauses = Array.from({ length: 10 }, () => b.next());
    expect(pauses).toEqual([75, 150, 300, 600, 1200, 2400, 4800, 7500, 7500, 7500]);
    expect(b.attempts).toBe(10);
    b.reset();
    expect(b.next()).toBe(75);
  });

  it("stays finite however long it fails", () => {
    const b = new Backoff({ baseDelayMs: 1000, maxDelayMs: 5000, factor: 3 });
    let last = 0;
    for (let i = 0; i < 5000; i++) last = b.next();
    expect(last).toBeGreaterThanOrEqual(2500);
    expect(last).toBeLessThanOrEqual(5000);
  });
});
