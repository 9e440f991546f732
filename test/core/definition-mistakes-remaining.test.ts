// Regression (issue 13 follow-up, D2): the definitions an outside user's probe found still
// accepting anything — createGateway's options, command(), projection(), signal(), onEvent() and
// cron() — now refuse a misspelt key (listing the known ones), a wrong type and an impossible
// number when declared, as TESSERA_DEFINITION naming the definition and the option in
// `details.name`.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryEventStore, memoryTransport } from "../../src/adapters/memory/index.js";
import { TesseraError } from "../../src/core/errors.js";
import { event } from "../../src/core/event.js";
import { createNode } from "../../src/core/node.js";
import { args } from "../../src/features/connections/arg-model.js";
import { publishSubscribe, requestReply } from "../../src/features/connections/connection.js";
import { replier } from "../../src/features/connections/connection-uses.js";
import { aggregate } from "../../src/features/eventsourcing/aggregate.js";
import { command } from "../../src/features/eventsourcing/command.js";
import { eventSourcing } from "../../src/features/eventsourcing/event-sourcing.js";
import { projection } from "../../src/features/eventsourcing/projection.js";
import { reference } from "../../src/features/eventsourcing/reference.js";
import { signal } from "../../src/features/flows/signal.js";
import { cron, onEvent } from "../../src/features/flows/triggers.js";
import { createGateway } from "../../src/features/gateway/gateway.js";

const node = createNode({ services: [], transport: memoryTransport() });
const gateway = (options: object) => createGateway(node, options as never);
const account = aggregate("account", { initial: () => ({}), evolve: (s: object) => s });
const repository = { update: async () => ({ id: "a", version: 1 }) } as never;
const Input = z.object({ id: z.string() });
const decide = () => ({ type: "opened", data: {} });
const view = (options: object) =>
  projection({ name: "view", from: account, collections: ["v"], handle: () => {}, ...options } as never);
const es = (options: object) => eventSourcing({ store: memoryEventStore(), ...options } as never);
const quote = requestReply("quote", { args: args({}), returns: args({}) });
const prices = publishSubscribe("prices", { args: args({}) });
const userCreated = event("user.created", z.object({ email: z.string() }));

function thrown(declare: () => unknown): unknown {
  try {
    declare();
  } catch (err) {
    return err;
  }
  throw new Error("no error was thrown");
}

function expectDefinition(declare: () => unknown, name: string, says?: string): void {
  const err = thrown(declare);
  if (!(err instanceof TesseraError)) throw new Error(`not a TesseraError: ${String(err)}`);
  expect({ code: err.code, details: err.details }).toMatchObject({
    code: "TESSERA_DEFINITION",
    details: { name },
  });
  expect(err.message).toContain(name);
  if (says !== undefined) expect(err.message).toContain(says);
}

describe("a definition that used to accept anything (issue 13 follow-up, D2)", () => {
  it.each<[string, string, () => unknown, string?]>([
    [
      "a gateway's misspelt bodylimit was ignored",
      "gateway.bodylimit",
      () => gateway({ bodylimit: 10 }),
      "known: bodyLimit",
    ],
    [
      "a gateway's negative bodyLimit refused every body",
      "gateway.bodyLimit",
      () => gateway({ bodyLimit: -1 }),
    ],
    [
      'a gateway\'s bodyLimit of "1mb" was accepted',
      "gateway.bodyLimit",
      () => gateway({ bodyLimit: "1mb" }),
    ],
    ["a gateway's NaN bodyLimit was accepted", "gateway.bodyLimit", () => gateway({ bodyLimit: Number.NaN })],
    [
      'a gateway\'s requestTimeout of "5s" gave no deadline',
      "gateway.requestTimeout",
      () => gateway({ requestTimeout: "5s" }),
    ],
    [
      "a gateway's negative requestTimeout was accepted",
      "gateway.requestTimeout",
      () => gateway({ requestTimeout: -5 }),
    ],
    [
      "a gateway's authorize that is not a function",
      "gateway.authorize",
      () => gateway({ authorize: "jwt" }),
    ],
    ["a gateway's misspelt openapi key", "gateway.openapi.titel", () => gateway({ openapi: { titel: "x" } })],
    [
      "a gateway's misspelt cors key",
      "gateway.cors.maxage",
      () => gateway({ cors: { origin: true, maxage: 5 } }),
    ],
    [
      "a gateway's negative cors maxAge",
      "gateway.cors.maxAge",
      () => gateway({ cors: { origin: true, maxAge: -1 } }),
    ],
    [
      "a command without decide failed at its first call",
      "command.decide",
      () => command(repository, { input: Input }, undefined as never),
    ],
    [
      "a command without an input schema",
      "command.options.input",
      () => command(repository, {} as never, decide),
    ],
    ["a command given null options", "command.options", () => command(repository, null as never, decide)],
    [
      "a command given a repository's name",
      "command.repository",
      () => command("accounts" as never, { input: Input }, decide),
    ],
    [
      "a projection's misspelt batchsize ran with the default",
      "view.batchsize",
      () => view({ batchsize: 10 }),
      "known: name",
    ],
    ['a projection\'s mode "sync" was accepted', "view.mode", () => view({ mode: "sync" })],
    ["a projection from an aggregate's name", "view.from", () => view({ from: "account" })],
    ["a projection's collections as one string", "view.collections", () => view({ collections: "v" })],
    ["a projection's batchSize of 0", "view.batchSize", () => view({ batchSize: 0 })],
    ["a projection without handle", "view.handle", () => view({ handle: undefined })],
    ["a projection without a name", "projection.name", () => view({ name: undefined })],
    ["a projection given no options", "projection", () => projection(undefined as never)],
    ['a signal without a name was named "undefined"', "signal", () => signal(undefined as never)],
    [
      "a signal whose schema is not a schema",
      "approval.schema",
      () => signal("approval", { approved: true } as never),
    ],
    ["onEvent given an event's name", "onEvent.event", () => onEvent("user.created" as never)],
    [
      "onEvent given an input that is not a function",
      "onEvent.input",
      () => onEvent(userCreated, { email: 1 } as never),
    ],
    [
      "cron given its options as the input",
      "cron.input",
      () => cron("* * * * *", { timezone: "UTC" } as never),
    ],
    [
      "cron's misspelt timezone option",
      "cron.options.timeZone",
      () => cron("* * * * *", () => ({}), { timeZone: "UTC" } as never),
    ],
    [
      "cron's pattern as a number was shown as a croner error",
      "cron",
      () => cron(5 as never),
      "must be a string",
    ],
    [
      "eventSourcing's projection (singular) was ignored",
      "eventSourcing.projection",
      () => es({ projection: [] }),
      "known: store",
    ],
    ["eventSourcing without a store", "eventSourcing.store", () => eventSourcing({} as never)],
    [
      "eventSourcing given a projection's name",
      "eventSourcing.projections.0",
      () => es({ projections: ["view"] }),
    ],
    [
      "an outbox batch of 0 never published",
      "eventSourcing.outbox.batch",
      () => es({ outbox: { batch: 0 } }),
    ],
    [
      "a reference to a service, not its entry",
      "reference.read",
      () => reference({ name: "customers" } as never),
    ],
    [
      "a replier without its handler failed at the first request",
      "replier.handler",
      () => replier(quote, undefined as never),
    ],
    [
      "a replier of a publish-subscribe connection never answered",
      "replier.connection",
      () => replier(prices as never, () => ({})),
    ],
  ])("%s", (_what, name, declare, says) => expectDefinition(declare, name, says));

  it("the definitions written right are still accepted", () => {
    expect(
      gateway({
        bodyLimit: 1024,
        requestTimeout: 0,
        cors: { origin: ["https://a.example"] },
        openapi: { title: "t" },
      }),
    ).toBeDefined();
    expect(command(repository, { input: Input, route: "POST /a/:id" }, decide)).toBeDefined();
    expect(view({ mode: "inline", from: [account], batchSize: 10, prefetch: () => undefined })).toBeDefined();
    expect(signal("approval", z.object({ ok: z.boolean() })).name).toBe("approval");
    expect(onEvent(userCreated, (u) => ({ to: u.email })).kind).toBe("event");
    expect(es({ projections: [view({})], outbox: { batch: 10 }, closeStore: true })).toBeDefined();
    expect(replier(quote, () => ({})).feature).toBe("connections");
    expect(cron("0 2 * * *", () => ({}), { timezone: "Europe/Paris" }).kind).toBe("cron");
  });
});
