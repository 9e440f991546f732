import { describe, expect, it } from "vitest";
import { z } from "zod";
import { entry, service } from "../../../src/index.js";
import { gatewayFor } from "./fixtures.js";

// ctx.log is bound to the request id: the lines a handler logs, and those of the entries it calls,
// carry the id the response echoes in x-request-id.

const audit = service("audit", {
  entries: {
    record: entry({ input: z.object({ what: z.string() }) }, ({ what }, ctx) => {
      ctx.log.info("recorded", { what });
      return { ok: true };
    }),
  },
});

const notes = service("notes", {
  entries: {
    post: entry({ input: z.object({ text: z.string() }) }, async ({ text }, ctx) => {
      ctx.log.info("adding a note", { length: text.length });
      await ctx.call(audit.entries.record, { what: "note" });
      return { added: true };
    }),
  },
});

const logged = (lines: Record<string, unknown>[], msg: string) => lines.filter((l) => l.msg === msg);

describe("gateway: ctx.log and the request id", () => {
  it("a handler's log lines carry the client's x-request-id, echoed on the response, down nested calls", async () => {
    const g = gatewayFor([notes, audit]);
    await g.node.start();
    const res = await g.client.post(
      "/notes",
      { text: "hi" },
      { headers: { "x-request-id": "client-req-7" } },
    );
    expect(res.status).toBe(200);
    expect(res.headers["x-request-id"]).toBe("client-req-7");
    expect(logged(g.lines, "adding a note")).toEqual([
      expect.objectContaining({ level: "info", requestId: "client-req-7", target: "notes.post", length: 2 }),
    ]);
    expect(logged(g.lines, "recorded")).toEqual([
      expect.objectContaining({ requestId: "client-req-7", target: "audit.record", what: "note" }),
    ]);
    await g.node.stop();
  });

  it("without a client id, the lines carry the id the gateway generated and returned", async () => {
    const g = gatewayFor([notes, audit]);
    await g.node.start();
    const [a, b] = await Promise.all([
      g.client.post("/notes", { text: "a" }),
      g.client.post("/notes", { text: "bb" }),
    ]);
    const ids = [a.headers["x-request-id"], b.headers["x-request-id"]];
    expect(ids[0]).toMatch(/^[\w-]+$/);
    expect(ids[0]).not.toBe(ids[1]);
    const byLength = Object.fromEntries(logged(g.lines, "adding a note").map((l) => [l.length, l.requestId]));
    expect(byLength).toEqual({ 1: ids[0], 2: ids[1] });
    expect(new Set(logged(g.lines, "recorded").map((l) => l.requestId))).toEqual(new Set(ids));
    await g.node.stop();
  });
});
