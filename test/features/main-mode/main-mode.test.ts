import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { createMemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { configModel } from "../../../src/core/config.js";
import { entry } from "../../../src/core/entry.js";
import { silentLogger } from "../../../src/core/logger.js";
import { createNode } from "../../../src/core/node.js";
import { service } from "../../../src/core/service.js";
import { configArgs, mainLoop, mainMode } from "../../../src/features/main-mode/index.js";
import { holds, owns, replicatedStates, state } from "../../../src/features/states/index.js";

const counter = state("counter", z.object({ n: z.number().int() }), { initial: { n: 0 } });
const tickerConfig = configModel({
  count: z.number().int().positive(),
  label: { schema: z.string(), default: "t" },
});

describe("main mode", () => {
  it("runs setup, then the loop, which produces state updates that holders follow; stop aborts the loop", async () => {
    const events: string[] = [];
    const ticker = service("ticker", {
      config: tickerConfig,
      uses: [
        owns(counter),
        mainLoop(
          async (ctx) => {
            events.push("run");
            const { count } = ctx.config(tickerConfig);
            for (let n = 1; n <= count; n++) await ctx.use(counter).set({ n });
            await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
            events.push("aborted");
          },
          { setup: () => void events.push("setup") },
        ),
      ],
    });
    const watcher = service("watcher", { uses: [holds(counter)] });
    const bus = createMemoryBus();
    const producer = createNode({
      services: [ticker, watcher],
      run: ["ticker"],
      transport: memoryTransport({ bus }),
      plugins: [replicatedStates(), mainMode({ handleSignals: false })],
      env: { TICKER_COUNT: "25" },
      logger: silentLogger,
    });
    const follower = createNode({
      services: [ticker, watcher],
      run: ["watcher"],
      transport: memoryTransport({ bus }),
      plugins: [replicatedStates()],
      logger: silentLogger,
    });
    await producer.start();
    await follower.start();
    await vi.waitFor(() => expect(follower.use(counter, "watcher").value).toEqual({ n: 25 }));
    expect(events).toEqual(["setup", "run"]);
    await producer.stop();
    expect(events).toEqual(["setup", "run", "aborted"]);
    await follower.stop();
  });

  it("runs no setup and no loop with loops: false (a one-off command's node)", async () => {
    const ran: string[] = [];
    const quiet = service("quiet", {
      uses: [mainLoop(() => void ran.push("run"), { setup: () => void ran.push("setup") })],
    });
    const node = createNode({
      services: [quiet],
      transport: memoryTransport(),
      plugins: [mainMode({ loops: false })],
      logger: silentLogger,
    });
    await node.start();
    await node.stop();
    expect(ran).toEqual([]);
  });

  it("refuses a main-mode service with inbound entries", async () => {
    const bad = service("bad", { uses: [mainLoop(() => undefined)], entries: { get: entry(() => 1) } });
    const node = createNode({
      services: [bad],
      transport: memoryTransport(),
      plugins: [mainMode()],
      logger: silentLogger,
    });
    await expect(node.start()).rejects.toMatchObject({
      code: "TESSERA_DEFINITION",
      message: expect.stringContaining("leading edge"),
    });
  });

  it("fails the start when a setup hook fails, naming the service", async () => {
    const broken = service("broken", {
      uses: [mainLoop(() => undefined, { setup: () => Promise.reject(new Error("no feed file")) })],
    });
    const node = createNode({
      services: [broken],
      transport: memoryTransport(),
      plugins: [mainMode()],
      logger: silentLogger,
    });
    await expect(node.start()).rejects.toThrow("broken: setup failed: no feed file");
  });
});

describe("configArgs: extra --key value arguments into the services' config", () => {
  const ticker = service("ticker", { config: tickerConfig, uses: [mainLoop(() => undefined)] });
  const other = service("other", { config: configModel({ count: z.number() }) });

  it("maps --key value, --key=value and --service.key value to service.key settings, for every service", () => {
    // Not only main-mode services (issue 18): `other` serves and takes --count too.
    expect(configArgs([ticker, other], ["--count", "10", "--label=x"])).toEqual({
      "ticker.count": "10",
      "other.count": "10",
      "ticker.label": "x",
    });
    expect(configArgs([ticker, other], ["--other.count", "2"])).toEqual({ "other.count": "2" });
    expect(configArgs([ticker], ["--ticker.count", "3"])).toEqual({ "ticker.count": "3" });
  });

  it("merges into the config the node checks: the value parsed by the schema", async () => {
    const node = createNode({
      services: [ticker],
      transport: memoryTransport(),
      plugins: [mainMode({ handleSignals: false })],
      env: { TICKER_COUNT: "1", ...configArgs([ticker], ["--count", "7"]) },
      logger: silentLogger,
    });
    await node.start();
    expect(node.config(tickerConfig)).toEqual({ count: 7, label: "t" });
    await node.stop();
  });

  it("refuses an argument no service takes, naming those they take", () => {
    expect(() => configArgs([ticker, other], ["--rate", "5"])).toThrow(
      "unknown option --rate: the services take --count (ticker), --label (ticker), --count (other)",
    );
    expect(() => configArgs([ticker], ["positional"])).toThrow('unexpected argument "positional"');
  });
});
