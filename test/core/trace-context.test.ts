import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import { metaToHeaders } from "../../src/core/call-headers.js";
import { Span, TraceRoot } from "../../src/core/trace-context.js";
import { newSpanId, newTraceId } from "../../src/core/trace-ids.js";
import { formatTraceparent, parseTraceparent, parseTracestate } from "../../src/core/traceparent.js";
import { createGateway, createNode, entry, service, silentLogger } from "../../src/index.js";
import { testClient } from "../../src/testing/index.js";

// Counts the ids drawn, to prove that a call nobody traces draws none.
const drawn = vi.hoisted(() => ({ count: 0 }));
vi.mock("../../src/core/trace-ids.js", async (load) => {
  const actual = await load<typeof import("../../src/core/trace-ids.js")>();
  return {
    ...actual,
    newTraceId: () => {
      drawn.count++;
      return actual.newTraceId();
    },
    newSpanId: () => {
      drawn.count++;
      return actual.newSpanId();
    },
  };
});

const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const parentId = "00f067aa0ba902b7";

describe("traceparent and tracestate", () => {
  it("reads a valid header and writes it back", () => {
    const parsed = parseTraceparent(`00-${traceId}-${parentId}-01`, "rojo=00f067aa0ba902b7");
    expect(parsed).toEqual({ traceId, spanId: parentId, flags: "01", state: "rojo=00f067aa0ba902b7" });
    expect(formatTraceparent(traceId, parentId, "01")).toBe(`00-${traceId}-${parentId}-01`);
  });

  it("keeps only the sampled flag", () => {
    expect(parseTraceparent(`00-${traceId}-${parentId}-03`)?.flags).toBe("01");
    expect(parseTraceparent(`00-${traceId}-${parentId}-fe`)?.flags).toBe("00");
  });

  it("refuses what the specification calls invalid", () => {
    for (const bad of [
      "",
      `00-${traceId}-${parentId}`,
      `00-${traceId}-${parentId}-1`,
      `00-${traceId.toUpperCase()}-${parentId}-01`,
      `00-${"0".repeat(32)}-${parentId}-01`,
      `00-${traceId}-${"0".repeat(16)}-01`,
      `ff-${traceId}-${parentId}-01`,
      `00-${traceId}-${parentId}-01-more`,
      ` 00-${traceId}-${parentId}-01`,
    ]) {
      expect(parseTraceparent(bad), bad).toBeUndefined();
    }
  });

  it("normalises a tracestate list, and drops a malformed one whole", () => {
    expect(parseTracestate(["congo=t61rcWkgMzE", " rojo=00f067aa0ba902b7 ,"])).toBe(
      "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
    );
    expect(parseTracestate("tenant@vendor=x")).toBe("tenant@vendor=x");
    expect(parseTracestate("")).toBeUndefined();
    expect(parseTracestate("UPPER=x")).toBeUndefined();
    expect(parseTracestate("a=x,b=has=equals")).toBeUndefined();
    expect(parseTracestate(Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(","))).toBeUndefined();
  });
});

describe("spans", () => {
  it("draws fresh ids, never all zeros", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newSpanId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^(?!0{16})[0-9a-f]{16}$/);
    expect(newTraceId()).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
  });

  it("a child span keeps the trace, names its parent and has an id of its own", () => {
    const root = new Span(undefined);
    const child = new Span(root);
    expect(child.traceId).toBe(root.traceId);
    expect(child.parentId).toBe(root.spanId);
    expect(child.spanId).not.toBe(root.spanId);
    expect(root.parentId).toBeUndefined();
    expect(child.traceparent).toBe(`00-${root.traceId}-${child.spanId}-01`);
    expect(JSON.parse(JSON.stringify(child))).toEqual({
      traceId: root.traceId,
      spanId: child.spanId,
      parentId: root.spanId,
      sampled: true,
    });
  });

  it("a root keeps its trace id, so that every attempt of a call stays in one trace", () => {
    const root = new TraceRoot();
    const first = metaToHeaders({
      requestId: "r",
      identity: undefined,
      deadline: undefined,
      signal: undefined,
      trace: root,
    });
    const second = metaToHeaders({
      requestId: "r",
      identity: undefined,
      deadline: undefined,
      signal: undefined,
      trace: root,
    });
    const [a, b] = [first.traceparent, second.traceparent].map((h) => parseTraceparent(h));
    expect(a?.traceId).toBe(root.traceId);
    expect(b?.traceId).toBe(root.traceId);
    expect(a?.spanId).not.toBe(b?.spanId);
  });

  it("draws no id for a request whose trace nobody reads", async () => {
    const hello = service("hello", { entries: { getHi: entry(() => ({ hi: true })) } });
    const echo = service("echo", {
      entries: {
        say: entry({ input: z.object({ text: z.string() }) }, ({ text }, ctx) =>
          ctx.call(hello.entries.getHi).then((r) => ({ text, ...r })),
        ),
      },
    });
    const node = createNode({ services: [hello, echo], transport: memoryTransport(), logger: silentLogger });
    await node.start();
    const client = testClient(createGateway(node));
    const before = drawn.count;
    expect((await client.get("/hello/hi")).status).toBe(200);
    expect((await client.post("/echo/say", { text: "x" })).body).toEqual({ text: "x", hi: true });
    await node.call(echo.entries.say, { text: "y" });
    expect(drawn.count).toBe(before);
    // …while one that is read draws them (the counter sees the ids the spans draw).
    void new Span(undefined).traceparent;
    expect(drawn.count).toBe(before + 2);
    await node.stop();
  });
});
