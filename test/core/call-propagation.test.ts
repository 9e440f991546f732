import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Context } from "../../src/core/context.js";
import { entry } from "../../src/core/entry.js";
import { service } from "../../src/core/service.js";
import { createMemoryBus, failsWith, useNodes } from "./fixtures.js";

type Seen = Pick<Context, "requestId" | "identity" | "deadline" | "target">;
const snapshot = (ctx: Context): Seen => ({
  requestId: ctx.requestId,
  identity: ctx.identity,
  deadline: ctx.deadline,
  target: ctx.target,
});

/** `outer.run` calls `inner.see` (on the same node or another one); both record their context. */
function services(seen: { outer?: Seen; inner?: Seen }) {
  const inner = service("inner", {
    entries: {
      see: entry((_input, ctx) => {
        seen.inner = snapshot(ctx);
        return "seen";
      }),
    },
  });
  const outer = service("outer", {
    entries: {
      run: entry(
        { input: z.object({ timeout: z.number().optional() }), timeout: 5000 },
        async (input, ctx) => {
          seen.outer = snapshot(ctx);
          return ctx.call(
            inner.entries.see,
            undefined,
            input.timeout === undefined ? {} : { timeout: input.timeout },
          );
        },
      ),
    },
  });
  return { inner, outer };
}

describe.each([
  ["on one node", false],
  ["across two nodes", true],
])("context propagation %s", (_where, remote) => {
  const startNode = useNodes();

  async function setup() {
    const seen: { outer?: Seen; inner?: Seen } = {};
    const { inner, outer } = services(seen);
    const bus = createMemoryBus();
    if (remote) {
      await startNode({ bus, services: [inner] });
      return { seen, outer, node: await startNode({ bus, services: [outer] }) };
    }
    return { seen, outer, node: await startNode({ bus, services: [inner, outer] }) };
  }

  it("passes the deadline to nested calls", async () => {
    const { seen, outer, node } = await setup();
    const before = Date.now();
    await node.call(outer.entries.run, {});
    expect(seen.outer?.deadline).toBeGreaterThanOrEqual(before + 5000);
    expect(seen.outer?.deadline).toBeLessThanOrEqual(Date.now() + 5000);
    expect(seen.inner?.deadline).toBe(seen.outer?.deadline);
  });

  it("lets a nested call narrow the deadline but never extend it", async () => {
    const { seen, outer, node } = await setup();
    await node.call(outer.entries.run, { timeout: 60_000 });
    expect(seen.inner?.deadline).toBe(seen.outer?.deadline);
    await node.call(outer.entries.run, { timeout: 100 });
    expect(seen.inner?.deadline).toBeLessThan(seen.outer!.deadline! - 1000);
  });

  it("narrows the deadline to the caller's timeout option", async () => {
    const { seen, outer, node } = await setup();
    const before = Date.now();
    await node.call(outer.entries.run, {}, { timeout: 1000 });
    expect(seen.outer?.deadline).toBeGreaterThanOrEqual(before + 1000);
    expect(seen.outer?.deadline).toBeLessThan(before + 5000);
    expect(seen.inner?.deadline).toBe(seen.outer?.deadline);
  });

  it("carries the caller's identity and request id to nested calls", async () => {
    const { seen, outer, node } = await setup();
    const identity = { sub: "alice", roles: ["admin"], tenant: { id: 7 } };
    await node.call(outer.entries.run, {}, { identity, requestId: "req-42" });
    expect(seen.outer).toMatchObject({ identity, requestId: "req-42", target: "outer.run" });
    expect(seen.inner).toMatchObject({ identity, requestId: "req-42", target: "inner.see" });
  });

  it("gives each root call its own request id and no identity by default", async () => {
    const { seen, outer, node } = await setup();
    await node.call(outer.entries.run, {});
    const first = seen.inner?.requestId;
    await node.call(outer.entries.run, {});
    expect(seen.inner?.requestId).toEqual(expect.any(String));
    expect(seen.inner?.requestId).not.toBe(first);
    expect(seen.inner?.identity).toBeUndefined();
  });
});

describe("a nested call after the deadline", () => {
  const startNode = useNodes();

  it("refuses a remote nested call whose deadline has already passed, without running it", async () => {
    let innerRan = false;
    const inner = service("inner", {
      entries: {
        see: entry(() => {
          innerRan = true;
        }),
      },
    });
    const outer = service("outer", {
      entries: {
        run: entry(async (_input, ctx) => {
          await new Promise((r) => setTimeout(r, 80));
          return ctx.call(inner.entries.see).catch((e: unknown) => e);
        }),
      },
    });
    const bus = createMemoryBus();
    await startNode({ bus, services: [inner] });
    const node = await startNode({ bus, services: [outer] });
    await failsWith(node.call(outer.entries.run, undefined, { timeout: 40 }), "TESSERA_TIMEOUT");
    await new Promise((r) => setTimeout(r, 100));
    expect(innerRan).toBe(false);
  });

  it("refuses a local nested call whose deadline has already passed, without running it", async () => {
    let innerRan = false;
    const inner = service("inner", {
      entries: {
        see: entry(() => {
          innerRan = true;
        }),
      },
    });
    const outer = service("outer", {
      entries: {
        run: entry(async (_input, ctx) => {
          await new Promise((r) => setTimeout(r, 80));
          return ctx.call(inner.entries.see).catch((e: unknown) => e);
        }),
      },
    });
    const node = await startNode({ services: [inner, outer] });
    await failsWith(node.call(outer.entries.run, undefined, { timeout: 40 }), "TESSERA_TIMEOUT");
    await new Promise((r) => setTimeout(r, 100));
    expect(innerRan).toBe(false);
  });
});
