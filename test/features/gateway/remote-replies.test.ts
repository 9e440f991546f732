// Issue 15, finding 1: a gateway node in front of the node that hosts an entry garbled every answer
// that carried a status, headers or bytes — a Reply arrived as 200 `{"body":…,"status":202,
// "headers":{…}}` without its Location, and bytes failed with 500 ("a Uint8Array, which JSON turns
// into {}"). The same requests through one node and through a gateway node must answer alike.
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, type MemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { discovery } from "../../../src/features/discovery/index.js";
import {
  createGateway,
  createNode,
  entry,
  Reply,
  reply,
  service,
  silentLogger,
  type TesseraNode,
} from "../../../src/index.js";
import { type TestResponse, testClient } from "../../../src/testing/index.js";

const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>');

const files = service("files", {
  entries: {
    start: entry({ input: z.object({ mode: z.string() }), route: "POST /runs" }, ({ mode }) =>
      mode === "async"
        ? reply({ runId: "r1", status: "running" }, { status: 202, headers: { location: "/runs/r1" } })
        : reply({ runId: "r1", status: "done" }),
    ),
    conflict: entry({ route: "POST /conflict" }, () =>
      reply({ error: { message: "service upper does not exist" } }, { status: 409 }),
    ),
    diagram: entry({ route: "GET /diagram.svg" }, () =>
      reply(svg, { headers: { "content-type": "image/svg+xml", "cache-control": "no-store" } }),
    ),
    raw: entry({ route: "GET /raw" }, () => new Uint8Array([0, 1, 2, 255])),
    empty: entry({ route: "POST /empty" }, () => reply(undefined, { status: 204 })),
    plain: entry({ route: "GET /plain" }, () => ({ hello: "world" })),
  },
});

const caller = service("caller", {
  entries: {
    /** Another service calling the entry: it gets the Reply itself, wherever the entry runs. */
    peek: entry({ route: "GET /peek" }, async (_input, ctx) => {
      const r = await ctx.call(files.entries.diagram);
      return r instanceof Reply
        ? {
            reply: true,
            status: r.status,
            bytes: r.body instanceof Uint8Array,
            type: r.headers["content-type"],
          }
        : { reply: false };
    }),
  },
});

const nodes: TesseraNode[] = [];
afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
});

async function startNode(bus: MemoryBus, run: readonly string[], withDiscovery: boolean) {
  const node = createNode({
    services: [files, caller],
    run,
    transport: memoryTransport({ bus, drainTimeoutMs: 50 }),
    logger: silentLogger,
    drainTimeout: 200,
    plugins: withDiscovery ? [discovery({ heartbeatMs: 40, missedHeartbeats: 3 })] : [],
  });
  nodes.push(node);
  await node.start();
  return node;
}

/** What must cross the wire unchanged: status, the headers the entry chose, the body's bytes. */
function seen(r: TestResponse) {
  const { "x-request-id": _id, ...headers } = r.headers;
  return { status: r.status, headers, text: r.text, bytes: r.bytes === undefined ? undefined : [...r.bytes] };
}

const requests: [string, string, unknown?][] = [
  ["POST", "/runs", { mode: "async" }],
  ["POST", "/runs", { mode: "sync" }],
  ["POST", "/conflict", {}],
  ["GET", "/diagram.svg"],
  ["GET", "/raw"],
  ["POST", "/empty", {}],
  ["GET", "/plain"],
  ["GET", "/peek"],
];

async function answers(node: TesseraNode) {
  const client = testClient(createGateway(node));
  const out = [];
  for (const [method, url, body] of requests) {
    const r =
      method === "GET" ? await client.get(url) : await client.post(url, body as Record<string, unknown>);
    out.push({ request: `${method} ${url}`, ...seen(r) });
  }
  return out;
}

describe("a gateway node answers as the node hosting the entry", () => {
  for (const withDiscovery of [false, true]) {
    it(`keeps a Reply's status and headers and bytes as bytes across the wire (not a 200 wrapping {body,status,headers}, not a 500 for a Uint8Array)${withDiscovery ? ", with discovery" : ""}`, async () => {
      const one = await startNode(createMemoryBus(), ["files", "caller"], withDiscovery);
      const local = await answers(one);

      const bus = createMemoryBus();
      const gw = await startNode(bus, [], withDiscovery);
      await startNode(bus, ["files"], withDiscovery);
      await startNode(bus, ["caller"], withDiscovery);
      if (withDiscovery) await vi.waitFor(() => expect(gw.topology().nodes).toHaveLength(2));
      const remote = await answers(gw);

      expect(local[0]).toMatchObject({ status: 202, headers: { location: "/runs/r1" } });
      expect(local[3]).toMatchObject({ status: 200, headers: { "content-type": "image/svg+xml" } });
      expect(local[7]).toMatchObject({
        text: JSON.stringify({ reply: true, status: 200, bytes: true, type: "image/svg+xml" }),
      });
      expect(remote).toEqual(local);
    });
  }
});
