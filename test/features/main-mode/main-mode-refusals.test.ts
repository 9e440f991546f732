// Issue 18, part A (bugs 4 and 5): what main mode refuses at start, and a dead loop's readiness.
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import type { TesseraError } from "../../../src/core/errors.js";
import { silentLogger } from "../../../src/core/logger.js";
import { createNode, type NodePlugin } from "../../../src/core/node.js";
import { type ServiceDef, service } from "../../../src/core/service.js";
import {
  args,
  connections,
  publishSubscribe,
  replier,
  requestReply,
  subscriber,
} from "../../../src/features/connections/index.js";
import { mainLoop, mainMode } from "../../../src/features/main-mode/index.js";
import { holds, owns, replicatedStates, state } from "../../../src/features/states/index.js";

const counter = state("counter", z.object({ n: z.number().int() }), { initial: { n: 0 } });
const quote = requestReply("quote", {
  args: args({ s: z.string() }),
  returns: args({ p: z.number() }),
});
const ticks = publishSubscribe("ticks", { args: args({ n: z.number() }) });
const idle = mainLoop(async (ctx) => {
  await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
});

async function startError(services: ServiceDef[], plugins: NodePlugin[]): Promise<TesseraError | undefined> {
  const node = createNode({
    services,
    transport: memoryTransport({ bus: createMemoryBus() }),
    plugins,
    logger: silentLogger,
  });
  const err = await node.start().then(
    () => undefined,
    (e: unknown) => e,
  );
  await node.stop();
  return err as TesseraError | undefined;
}

describe("main mode refuses at start", () => {
  it("regression: a main-mode service with an inbound connection (replier, subscriber) or a held state was accepted", async () => {
    const cases: [string, ServiceDef][] = [
      ["connection (replier)", service("a", { uses: [replier(quote, () => ({ p: 1 })), idle] })],
      ["connection (subscriber)", service("b", { uses: [subscriber(ticks, () => undefined), idle] })],
      ["state (holds)", service("c", { uses: [holds(counter), idle] })],
    ];
    for (const [what, svc] of cases) {
      const err = await startError(
        [svc],
        [replicatedStates(), connections(), mainMode({ handleSignals: false })],
      );
      expect(err?.code).toBe("TESSERA_DEFINITION");
      expect(err?.message).toContain(`inbound ${what}`);
    }
    // Owning a state is outbound: accepted.
    const ok = await startError(
      [service("d", { uses: [owns(counter), idle] })],
      [replicatedStates(), mainMode({ handleSignals: false })],
    );
    expect(ok).toBeUndefined();
  });

  it("regression: [mainMode(), replicatedStates()] started and failed at the first patch", async () => {
    const feed = service("feed", { uses: [owns(counter), idle] });
    const err = await startError([feed], [mainMode({ handleSignals: false }), replicatedStates()]);
    expect(err?.code).toBe("TESSERA_DEFINITION");
    expect(err?.message).toContain("put mainMode() last");
  });
});

describe("a main loop that throws", () => {
  it("regression: a main loop that threw left the node ready; it is not ready (and says which loop) until it restarts", async () => {
    const feed = service("feed", {
      uses: [
        owns(counter),
        mainLoop(async (ctx) => {
          await ctx.use(counter).set({ n: 1 });
          throw new Error("feed lost its source");
        }),
      ],
    });
    const node = createNode({
      services: [feed],
      transport: memoryTransport({ bus: createMemoryBus() }),
      plugins: [replicatedStates(), mainMode({ handleSignals: false })],
      logger: silentLogger,
      readiness: { cacheMs: 0 },
    });
    await node.start();
    await vi.waitFor(async () => {
      const r = await node.checkReadiness();
      expect(r.ready).toBe(false);
      expect(JSON.stringify(r)).toContain("feed: main loop failed: feed lost its source");
    });
    await node.stop();
  });
});
