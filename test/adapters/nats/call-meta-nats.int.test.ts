import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { natsTransport } from "../../../src/adapters/nats/index.js";
import type { Context } from "../../../src/core/context.js";
import { discovery } from "../../../src/features/discovery/index.js";
import {
  createNode,
  entry,
  type NodePlugin,
  service,
  silentLogger,
  type TesseraNode,
} from "../../../src/index.js";
import { NATS_URL, requireServer } from "../../support/servers.js";

// Deadline, identity and request id cross the broker in the headers of each call: the root call
// goes from node A to `mid.run` on node B, which calls `leaf.see` back on node A, both over NATS.

type Seen = Pick<Context, "requestId" | "identity" | "deadline">;
const snapshot = (ctx: Context): Seen => ({
  requestId: ctx.requestId,
  identity: ctx.identity,
  deadline: ctx.deadline,
});

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe.each([
    ["to the service's queue group", false],
    ["to a node chosen through discovery", true],
  ])("call metadata over NATS, %s", (_how, withDiscovery) => {
    const nodes: TesseraNode[] = [];
    afterEach(async () => {
      await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
    });

    async function setup() {
      // Names of their own: other runs may share the broker.
      const tag = Math.random()
        .toString(36)
        .replace(/[^a-z]/g, "")
        .slice(0, 6);
      const seen: { mid?: Seen; leaf?: Seen } = {};
      const leaf = service(`leaf${tag}`, {
        entries: {
          see: entry((_input, ctx) => {
            seen.leaf = snapshot(ctx);
            return "seen";
          }),
        },
      });
      const mid = service(`mid${tag}`, {
        entries: {
          run: entry({ input: z.object({ timeout: z.number().optional() }) }, (input, ctx) => {
            seen.mid = snapshot(ctx);
            return ctx.call(
              leaf.entries.see,
              undefined,
              input.timeout === undefined ? {} : { timeout: input.timeout },
            );
          }),
        },
      });
      const start = async (name: string, run: string[]) => {
        const plugins: NodePlugin[] = withDiscovery ? [discovery({ heartbeatMs: 200 })] : [];
        const node = createNode({
          id: `${name}-${tag}`,
          services: [leaf, mid],
          run,
          transport: natsTransport({ servers: NATS_URL, name: `call-meta-${name}` }),
          logger: silentLogger,
          requestTimeout: 7000,
          drainTimeout: 500,
          plugins,
        });
        nodes.push(node);
        await node.start();
        return node;
      };
      const a = await start("a", [leaf.name]);
      const b = await start("b", [mid.name]);
      if (withDiscovery) {
        await vi.waitFor(() => {
          expect(a.registry.instances(mid.name).map((n) => n.id)).toEqual([b.id]);
          expect(b.registry.instances(leaf.name).map((n) => n.id)).toEqual([a.id]);
        });
      }
      return { seen, caller: a, callee: b, run: mid.entries.run };
    }

    it("gives the callee the caller's identity, request id and deadline, and passes them on", async () => {
      const { seen, caller, callee, run } = await setup();
      const identity = { sub: "alice", roles: ["admin", "ops"], tenant: { id: 7, name: "Zoë & Co" } };
      const served = callee.info().load.served;
      const before = Date.now();
      await caller.call(run, {}, { identity, requestId: "req-nats-42", timeout: 5000 });
      const after = Date.now();
      // It did cross the broker to the other node.
      expect(callee.info().load.served).toBe(served + 1);
      expect(seen.mid).toMatchObject({ identity, requestId: "req-nats-42" });
      expect(seen.leaf).toMatchObject({ identity, requestId: "req-nats-42" });
      // The caller's deadline (before + 5000 … after + 5000), to the millisecond: an absolute time.
      expect(seen.mid?.deadline).toBeGreaterThanOrEqual(before + 5000);
      expect(seen.mid?.deadline).toBeLessThanOrEqual(after + 5000);
      // The nested call inherits it, never later.
      expect(seen.leaf?.deadline).toBeLessThanOrEqual(seen.mid!.deadline!);
      expect(seen.leaf?.deadline).toBe(seen.mid?.deadline);
    });

    it("narrows a nested call's deadline to its own timeout, and never extends it", async () => {
      const { seen, caller, run } = await setup();
      await caller.call(run, { timeout: 60_000 }, { timeout: 5000 });
      expect(seen.leaf?.deadline).toBe(seen.mid?.deadline);
      await caller.call(run, { timeout: 1000 }, { timeout: 5000 });
      expect(seen.leaf?.deadline).toBeLessThan(seen.mid!.deadline! - 2000);
    });

    it("without an identity or a timeout: no identity, one request id along the way, the node's request timeout", async () => {
      const { seen, caller, run } = await setup();
      const before = Date.now();
      await caller.call(run, {});
      const after = Date.now();
      expect(seen.mid?.identity).toBeUndefined();
      expect(seen.leaf?.identity).toBeUndefined();
      expect(seen.mid?.requestId).toEqual(expect.any(String));
      expect(seen.leaf?.requestId).toBe(seen.mid?.requestId);
      // The callee always learns a deadline: the caller node's requestTimeout (7000 ms).
      expect(seen.mid?.deadline).toBeGreaterThanOrEqual(before + 7000);
      expect(seen.mid?.deadline).toBeLessThanOrEqual(after + 7000);
      expect(seen.leaf?.deadline).toBeLessThanOrEqual(seen.mid!.deadline!);
    });
  });
}
