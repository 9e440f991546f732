import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type Account, account, deposit, withdraw } from "../../../examples/accounts/model.js";
import { memoryEventStore, memoryFlowStore, memoryTransport } from "../../../src/adapters/memory/index.js";
import { eventSourcing } from "../../../src/features/eventsourcing/index.js";
import { createFlowEngine, flow } from "../../../src/features/flows/index.js";
import { createNode, service, silentLogger, subscribe } from "../../../src/index.js";

// A saga's events are visible as each step commits; when a later step fails, the compensations of
// the completed steps append compensating events (in reverse order, each once). Nothing is held back
// until the end: the log keeps what happened, including the undoing (README, "Sagas and flows").

async function setup() {
  const store = memoryEventStore();
  const es = eventSourcing({ store, outbox: { pollMs: 10 } });
  const accounts = es.repository(account);
  const transfer = flow(
    "transfer",
    { input: z.object({ from: z.string(), to: z.string(), amount: z.number().int().positive() }) },
    async (ctx, { from, to, amount }) => {
      const meta = { saga: ctx.runId };
      await ctx.step(
        "withdraw",
        async ({ idempotencyKey }) =>
          (
            await accounts.update(from, (s: Account) => withdraw(amount, s), {
              idempotencyKey,
              metadata: meta,
            })
          ).version,
        {
          compensate: (_version, { idempotencyKey }) =>
            accounts.update(from, () => deposit(amount), {
              idempotencyKey: `${idempotencyKey}:undo`,
              metadata: { ...meta, compensates: "withdraw" },
            }),
        },
      );
      const credited = await ctx.step(
        "deposit",
        async ({ idempotencyKey }) =>
          (await accounts.update(to, () => deposit(amount), { idempotencyKey, metadata: meta })).version,
      );
      return { credited };
    },
  );
  const published: string[] = [];
  const audit = service("audit", {
    on: {
      deposited: subscribe(
        account.event("deposited"),
        (e) => void published.push(`deposited ${e.aggregateId} ${e.data.amount}`),
      ),
      withdrawn: subscribe(
        account.event("withdrawn"),
        (e) => void published.push(`withdrawn ${e.aggregateId} ${e.data.amount}`),
      ),
    },
  });
  const engine = createFlowEngine({ store: memoryFlowStore(), flows: [transfer], logger: silentLogger });
  const node = createNode({
    services: [audit],
    transport: memoryTransport(),
    logger: silentLogger,
    plugins: [engine, es],
  });
  await node.start();
  const open = async (owner: string, balance: number) => {
    const a = await accounts.create(() => [
      { type: "opened", data: { owner } },
      { type: "deposited", data: { amount: balance } },
    ]);
    return a.id;
  };
  const types = async (id: string) =>
    (await store.readStream(`account-${id}`)).map((e) =>
      `${e.type} ${(e.data as { amount?: number }).amount ?? ""}`.trim(),
    );
  return { store, es, accounts, engine, transfer, node, open, types, published };
}

describe("sagas over event-sourced aggregates", () => {
  it("commits each step's events as it completes: a completed saga leaves both accounts changed", async () => {
    const { engine, transfer, accounts, open, node } = await setup();
    const a = await open("Ada", 10);
    const b = await open("Bob", 0);
    await engine.execute(transfer, { from: a, to: b, amount: 4 });
    expect((await accounts.get(a)).state.balance).toBe(6);
    expect((await accounts.get(b)).state.balance).toBe(4);
    await node.stop();
  });

  it("compensates a failed saga with new events: the withdrawal stays in the log, undone by a deposit", async () => {
    const { engine, transfer, accounts, open, types, store, published, node } = await setup();
    const a = await open("Ada", 10);
    const { run } = await engine.startRun(transfer, { from: a, to: "nobody", amount: 4 });
    const end = await engine.awaitRun(run.id, 10_000);
    expect(end.status).toBe("compensated");
    expect(end.error).toMatchObject({ code: "TESSERA_NOT_FOUND" });
    expect(await types(a)).toEqual(["opened", "deposited 10", "withdrawn 4", "deposited 4"]);
    expect((await accounts.get(a)).state.balance).toBe(10);
    const [, , withdrawal, undo] = await store.readStream(`account-${a}`);
    expect(withdrawal!.metadata).toEqual({ saga: run.id });
    expect(undo!.metadata).toEqual({ saga: run.id, compensates: "withdraw" });
    // Subscribers saw the withdrawal and its compensation, both committed facts.
    await expect
      .poll(() => published)
      .toEqual(expect.arrayContaining([`withdrawn ${a} 4`, `deposited ${a} 4`]));
    await node.stop();
  });

  it("a step replayed with its idempotency key appends nothing the second time", async () => {
    const { accounts, open, types, node } = await setup();
    const a = await open("Ada", 10);
    const first = await accounts.update(a, (s) => withdraw(7, s), { idempotencyKey: "run-1:1" });
    // Replayed after a crash: the balance (3) would now refuse a new withdrawal of 7, but the key is known.
    const again = await accounts.update(a, (s) => withdraw(7, s), { idempotencyKey: "run-1:1" });
    expect(again.version).toBe(first.version);
    const created = await accounts.create(() => ({ type: "opened", data: { owner: "Cy" } }), {
      id: "cy",
      idempotencyKey: "run-2:1",
    });
    const recreated = await accounts.create(() => ({ type: "opened", data: { owner: "Cy" } }), {
      id: "cy",
      idempotencyKey: "run-2:1",
    });
    expect(recreated).toEqual(created);
    expect(await types(a)).toEqual(["opened", "deposited 10", "withdrawn 7"]);
    await node.stop();
  });
});
