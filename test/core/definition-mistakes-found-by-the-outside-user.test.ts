// Regression (issue 13 follow-up, the outside user's report): definition mistakes that still
// surfaced as a plain TypeError with no code (finding 1), wrong options accepted silently and
// failing every call or never running (finding 2), and definition errors with the offending name
// only in their message (finding 3). Each is now TESSERA_DEFINITION naming the definition and the
// option in `details.name`, raised when declared, or at the latest when the node is created
// (started, for what only a node's plugins can see).
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryFlowStore, memoryTransport } from "../../src/adapters/memory/index.js";
import { configModel } from "../../src/core/config.js";
import type { Middleware } from "../../src/core/context.js";
import { entry } from "../../src/core/entry.js";
import { TesseraError } from "../../src/core/errors.js";
import { event } from "../../src/core/event.js";
import { createNode } from "../../src/core/node.js";
import { service } from "../../src/core/service.js";
import { subscribe } from "../../src/core/subscription.js";
import { args } from "../../src/features/connections/arg-model.js";
import { requestReply } from "../../src/features/connections/connection.js";
import { aggregate } from "../../src/features/eventsourcing/aggregate.js";
import { createFlowEngine } from "../../src/features/flows/engine.js";
import { flow } from "../../src/features/flows/flow.js";
import { cron } from "../../src/features/flows/triggers.js";
import { mainLoop } from "../../src/features/main-mode/main-loop.js";
import { mainMode } from "../../src/features/main-mode/main-mode.js";
import { state } from "../../src/features/states/state.js";
import { owns } from "../../src/features/states/state-uses.js";
import { replicatedStates } from "../../src/features/states/states-plugin.js";

const ok = entry(() => ({ ok: true }));
const timing: Middleware = (_call, next) => next();
const evolve = (s: object) => s;
const initial = () => ({});
const orders = (options: object) => service("orders", { entries: { get: entry(options as never, () => 1) } });
const nodeOf = (options: object) => createNode({ services: [], transport: memoryTransport(), ...options });
const body = async () => 1;

/** What `declare()` threw (awaited when it returns a promise). */
async function thrown(declare: () => unknown): Promise<unknown> {
  try {
    await declare();
  } catch (err) {
    return err;
  }
  throw new Error("no error was thrown");
}

async function expectDefinition(declare: () => unknown, name: string): Promise<void> {
  const err = await thrown(declare);
  if (!(err instanceof TesseraError)) throw new Error(`not a TesseraError: ${String(err)}`);
  expect({ code: err.code, details: err.details }).toMatchObject({
    code: "TESSERA_DEFINITION",
    details: { name },
  });
  expect(err.message).toContain(name);
}

describe("a mistake that used to surface as a plain TypeError (finding 1)", () => {
  it.each<[string, string, () => unknown]>([
    [
      "middleware given as a function, not a list",
      "a.middleware",
      () => service("a", { middleware: timing as never, entries: { get: ok } }),
    ],
    ["a service without options", "x", () => service("x", undefined as never)],
    ["uses given as one use, not a list", "m.uses", () => service("m", { uses: mainLoop(body) as never })],
    [
      "flow triggers given as one trigger",
      "f.triggers",
      () => flow("f", { triggers: cron("* * * * *") as never }, body),
    ],
    ["flow options null", "f", () => flow("f", null as never, body)],
    ["a config key that is a number", "rate", () => configModel({ rate: 5 as never })],
    ["an argument that is a number", "a", () => args({ a: 5 as never })],
    ["a string among a node's services", "node.services.0", () => nodeOf({ services: ["nope"] })],
    ["a bare entry among a node's services", "node.services.0", () => nodeOf({ services: [ok] })],
    ["a node without transport", "node.transport", () => createNode({ services: [] } as never)],
    ["a node whose transport is {}", "node.transport", () => nodeOf({ transport: {} })],
    ["plugins that are not a list", "node.plugins", () => nodeOf({ plugins: 5 })],
    ["an aggregate without evolve", "cart.evolve", () => aggregate("cart", { initial } as never)],
  ])("%s is TESSERA_DEFINITION naming %s", async (_, name, declare) => {
    await expectDefinition(declare, name);
  });
});

describe("a wrong option that used to be accepted silently (finding 2)", () => {
  it.each<[string, string, () => unknown]>([
    ["an entry timeout of -1 (every call answered 504)", "orders.get.timeout", () => orders({ timeout: -1 })],
    [
      "a service timeout of 0",
      "orders.timeout",
      () => service("orders", { timeout: 0, entries: { get: ok } }),
    ],
    [
      "a bulkhead of concurrency 0 (it was ignored)",
      "orders.get.bulkhead.concurrency",
      () => orders({ bulkhead: { concurrency: 0 } }),
    ],
    [
      "a breaker of negative minRequests",
      "orders.get.breaker.minRequests",
      () => orders({ breaker: { threshold: 0.5, minRequests: -3 } }),
    ],
    ["retry attempts of 0", "orders.get.retry.attempts", () => orders({ retry: { attempts: 0 } })],
    [
      "an engine of concurrency 0 (its runs never executed)",
      "engine.concurrency",
      () => createFlowEngine({ store: memoryFlowStore(), flows: [], concurrency: 0 }),
    ],
    [
      "an engine of a negative lease",
      "engine.leaseMs",
      () => createFlowEngine({ store: memoryFlowStore(), flows: [], leaseMs: -5 }),
    ],
    [
      "a state whose initial value fails its own schema (it was served)",
      "q.initial",
      () => state("q", z.object({ a: z.number().positive() }), { initial: { a: -1 } }),
    ],
    [
      "a config default that fails its own schema",
      "n.default",
      () => configModel({ n: { schema: z.number().positive(), default: -1 } }),
    ],
    ["an entry status of 299", "orders.get.status", () => orders({ status: 299 })],
    ["an unknown entry option (a typo)", "orders.get.timout", () => orders({ timout: 5 })],
    ["an unknown service option", "x.entrys", () => service("x", { entrys: { get: ok } } as never)],
    ["an unknown flow option", "f.triger", () => flow("f", { triger: [] } as never, body)],
    [
      "an unknown engine option",
      "engine.pollMS",
      () => createFlowEngine({ store: memoryFlowStore(), flows: [], pollMS: 5 } as never),
    ],
    [
      "an unknown aggregate option",
      "cart.snapshot",
      () => aggregate("cart", { initial, evolve, snapshot: {} } as never),
    ],
    ["an unknown node option", "node.servces", () => nodeOf({ servces: [] })],
    ["an unknown event option", "a.b.durabel", () => event("a.b", z.object({}), { durabel: true } as never)],
    ["an input that is not a schema", "orders.get.input", () => orders({ input: { name: "string" } })],
    [
      "a subscription handler that is not a function",
      "audit.on.record.handler",
      () => service("audit", { on: { record: subscribe(event("a.b", z.object({})), "x" as never) } }),
    ],
    ["entries that are not an object", "x.entries", () => service("x", { entries: 5 as never })],
    [
      "a middleware item that is not a function",
      "x.middleware.0",
      () => service("x", { middleware: [5 as never], entries: { get: ok } }),
    ],
    [
      "an aggregate initial that is not a function",
      "cart.initial",
      () => aggregate("cart", { initial: {} as never, evolve }),
    ],
    ["an event schema that is not a schema", "a.b.schema", () => event("a.b", { x: 1 } as never)],
    [
      "a connection whose args are not an argument model",
      "quote.args",
      () => requestReply("quote", { args: z.object({}) as never, returns: args({}) }),
    ],
  ])("%s is TESSERA_DEFINITION naming %s", async (_, name, declare) => {
    await expectDefinition(declare, name);
  });
});

describe("a definition error that named the offender only in its message (finding 3)", () => {
  const twoOwners = () => {
    const q = state("q", z.object({}), { initial: {} });
    return nodeOf({
      services: [service("a", { uses: [owns(q)] }), service("b", { uses: [owns(q)] })],
      plugins: [replicatedStates()],
    }).start();
  };
  const mainWithEntries = () =>
    nodeOf({
      services: [service("m", { uses: [mainLoop(body)], entries: { get: ok } })],
      plugins: [mainMode()],
    }).start();

  it.each<[string, string, () => unknown]>([
    [
      "a duplicate route",
      "text.postUpper",
      () => nodeOf({ services: [service("text", { entries: { upper: ok, postUpper: ok } })] }),
    ],
    [
      "a service given twice to the node",
      "x",
      () => nodeOf({ services: [service("x", { entries: { get: ok } }), service("x", {})] }),
    ],
    [
      "a route path without its slash",
      "x.get",
      () => nodeOf({ services: [service("x", { entries: { get: entry({ route: "no-slash" }, () => 1) } })] }),
    ],
    [
      "a flow given twice",
      "f",
      () => createFlowEngine({ store: memoryFlowStore(), flows: [flow("f", {}, body), flow("f", {}, body)] }),
    ],
    ["an invalid cron pattern", "cron", () => cron("every day")],
    ["a state with two owners", "q", twoOwners],
    ["a main-mode service with entries", "m", mainWithEntries],
  ])("%s is TESSERA_DEFINITION naming %s", async (_, name, declare) => {
    const err = await thrown(declare);
    expect(err).toBeInstanceOf(TesseraError);
    expect(err).toMatchObject({ code: "TESSERA_DEFINITION", details: { name } });
  });
});
