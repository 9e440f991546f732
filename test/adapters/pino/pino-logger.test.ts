import pino from "pino";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryTransport } from "../../../src/adapters/memory/index.js";
import { pinoLogger } from "../../../src/adapters/pino/index.js";
import { entry } from "../../../src/core/entry.js";
import { TesseraError } from "../../../src/core/errors.js";
import { createNode } from "../../../src/core/node.js";
import { service } from "../../../src/core/service.js";

/** A pino logger writing its JSON lines into a list. */
function capture(level: pino.Level = "debug") {
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (line: string) => lines.push(JSON.parse(line)) };
  return { lines, pino: pino({ level, base: null, timestamp: false }, destination) };
}

describe("pinoLogger (tesserae/pino)", () => {
  it("writes our logger's calls as pino records: message, level, fields, child bindings", () => {
    const { lines, pino } = capture();
    const log = pinoLogger(pino);
    log.info("started", { port: 3000 });
    log.child({ service: "text" }).child({ requestId: "r1" }).warn("slow", { ms: 120 });
    log.debug("details");
    expect(lines).toEqual([
      { level: 30, msg: "started", port: 3000 },
      { level: 40, service: "text", requestId: "r1", msg: "slow", ms: 120 },
      { level: 20, msg: "details" },
    ]);
  });

  it("leaves the level to pino, and serializes an err field with its code and cause", () => {
    const { lines, pino } = capture("info");
    const log = pinoLogger(pino);
    log.debug("dropped");
    const err = new TesseraError("TESSERA_TIMEOUT", "too slow", { cause: new Error("socket") });
    log.error("call failed", { err });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: "call failed",
      err: { type: "TesseraError", message: expect.stringContaining("too slow"), code: "TESSERA_TIMEOUT" },
    });
    expect(JSON.stringify(lines[0])).toContain("socket");
  });

  it("serves as a node's logger: a handler's ctx.log goes to pino with the request's bindings", async () => {
    const { lines, pino } = capture("info");
    const text = service("text", {
      entries: {
        postUpper: entry({ input: z.object({ s: z.string() }) }, (input, ctx) => {
          ctx.log.info("upper", { length: input.s.length });
          return input.s.toUpperCase();
        }),
      },
    });
    const node = createNode({ services: [text], transport: memoryTransport(), logger: pinoLogger(pino) });
    await node.start();
    try {
      expect(await node.call(text.entries.postUpper, { s: "hi" })).toBe("HI");
    } finally {
      await node.stop();
    }
    expect(lines.find((l) => l.msg === "upper")).toMatchObject({ level: 30, length: 2, node: node.id });
  });
});
