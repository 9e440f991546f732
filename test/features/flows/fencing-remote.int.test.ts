import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryFlowStore } from "../../../src/adapters/memory/index.js";
import { natsTransport } from "../../../src/adapters/nats/index.js";
import { createFlowEngine, flow, flowsService } from "../../../src/features/flows/index.js";
import { createNode, entry, service, silentLogger, type TesseraNode } from "../../../src/index.js";
import { NATS_URL, requireServer } from "../../support/servers.js";

// Issue 19, fencing: a flow's call to an entry of another node carries the run's fencing token
// beside its idempotency key, in the call's headers over the broker (tessera-fencing-token), and a
// nested call of that entry does not pass them on.

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("the fencing token of a remote call", () => {
    const nodes: TesseraNode[] = [];
    afterEach(async () => {
      await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
    });

    it("reaches the callee on another node as ctx.fencingToken, not its nested calls", async () => {
      const tag = Math.random()
        .toString(36)
        .replace(/[^a-z]/g, "")
        .slice(0, 6);
      const seen: Record<string, unknown> = {};
      const audit = service(`audit${tag}`, {
        entries: {
          note: entry((_input, ctx) => {
            seen.nested = { key: ctx.idempotencyKey, token: ctx.fencingToken };
            return "noted";
          }),
        },
      });
      const booking = service(`booking${tag}`, {
        entries: {
          book: entry({ input: z.object({ seat: z.string() }) }, async ({ seat }, ctx) => {
            seen.book = { key: ctx.idempotencyKey, token: ctx.fencingToken };
            await ctx.call(audit.entries.note);
            return { seat };
          }),
        },
      });
      const trip = flow(`trip${tag}`, {}, async (ctx) => ctx.call(booking.entries.book, { seat: "2C" }));
      const engine = createFlowEngine({ store: memoryFlowStore(), flows: [trip], logger: silentLogger });
      const transport = (name: string) =>
        natsTransport({ servers: NATS_URL, name: `fencing-${name}-${tag}` });
      const callee = createNode({
        id: `callee-${tag}`,
        services: [booking, audit],
        transport: transport("callee"),
        logger: silentLogger,
      });
      const caller = createNode({
        id: `caller-${tag}`,
        services: [booking, audit, flowsService(engine)],
        run: [flowsService(engine).name],
        plugins: [engine],
        transport: transport("caller"),
        logger: silentLogger,
      });
      nodes.push(caller, callee);
      await callee.start();
      await caller.start();
      const servedBefore = callee.info().load.served;
      const { run } = await engine.startRun(trip, undefined);
      expect((await engine.awaitRun(run.id, 10_000)).status).toBe("completed");
      // The call crossed the broker to the other node.
      expect(callee.info().load.served).toBeGreaterThan(servedBefore);
      expect(seen.book).toEqual({ key: `${run.id}:1`, token: 1 });
      expect(seen.nested).toEqual({ key: undefined, token: undefined });
    });
  });
}
