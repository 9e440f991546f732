import { describe, expect, it } from "vitest";
import { accountsService } from "../../examples/accounts/service.js";
import { accountView } from "../../examples/accounts/view.js";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import { type EventStore, eventSourcing } from "../../src/features/eventsourcing/index.js";
import { createGateway, createNode, silentLogger } from "../../src/index.js";
import { testClient } from "../../src/testing/index.js";

/** The accounts example's contract (issue 7), run on each store. */
export function accountsSuite(stores: readonly [string, () => EventStore][], skip = false): void {
  describe.skipIf(skip).each(stores)("the accounts example on %s", (_name, makeStore) => {
    async function setup() {
      const store = makeStore();
      const es = eventSourcing({ store, projections: [accountView] });
      const node = createNode({
        services: [accountsService(es)],
        transport: memoryTransport(),
        logger: silentLogger,
      });
      await node.start();
      await es.start(node);
      const client = testClient(createGateway(node));
      const open = async (owner = "Ada") => {
        const res = await client.post("/accounts", { owner });
        expect(res.status).toBe(201);
        return (res.body as { id: string }).id;
      };
      const cleanup = async () => {
        await es.stop();
        await node.stop();
        await store.close();
      };
      return { store, client, open, cleanup };
    }

    it("opens an account, deposits, withdraws and reads the read model", async () => {
      const { client, open, cleanup } = await setup();
      const id = await open("Ada");
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect((await client.get(`/accounts/${id}`)).body).toEqual({
        id,
        owner: "Ada",
        balance: 0,
        version: 1,
      });
      expect((await client.post(`/accounts/${id}/deposit`, { amount: 10 })).body).toEqual({ id, version: 2 });
      const w = await client.post(`/accounts/${id}/withdraw`, { amount: 4 });
      expect(w.status).toBe(200);
      expect((await client.get(`/accounts/${id}`)).body).toEqual({
        id,
        owner: "Ada",
        balance: 6,
        version: 3,
      });
      await cleanup();
    });

    it("a deposit retried with its Idempotency-Key is applied once (issue 17, bug 9)", async () => {
      const { client, open, cleanup } = await setup();
      const id = await open();
      const key = { headers: { "idempotency-key": "deposit-7f3a" } };
      const first = await client.post(`/accounts/${id}/deposit`, { amount: 10 }, key);
      const retried = await client.post(`/accounts/${id}/deposit`, { amount: 10 }, key);
      expect(retried.body).toEqual(first.body);
      expect((await client.post(`/accounts/${id}/deposit`, { amount: 11 }, key)).status).toBe(409);
      expect((await client.get(`/accounts/${id}`)).body).toMatchObject({ balance: 10, version: 2 });
      await cleanup();
    });

    it("refuses a withdrawal beyond the balance with 409 and the reason, appending nothing", async () => {
      const { client, open, store, cleanup } = await setup();
      const id = await open();
      await client.post(`/accounts/${id}/deposit`, { amount: 3 });
      const res = await client.post(`/accounts/${id}/withdraw`, { amount: 5 });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({
        error: { code: "TESSERA_CONFLICT", message: "insufficient funds: the balance is 3, 5 was asked" },
      });
      expect(await store.streamVersion(`account-${id}`)).toBe(2);
      expect((await client.get(`/accounts/${id}`)).body).toMatchObject({ balance: 3, version: 2 });
      await cleanup();
    });

    it("refuses bad input with 400 naming the field, appending nothing", async () => {
      const { client, open, store, cleanup } = await setup();
      const id = await open();
      const head = await store.headPosition();
      for (const body of [{ amount: -1 }, { amount: 0 }, { amount: 1.5 }, { amount: "5" }, {}]) {
        const res = await client.post(`/accounts/${id}/deposit`, body);
        expect(res.status).toBe(400);
        expect(JSON.stringify(res.body)).toContain("amount");
      }
      expect((await client.post("/accounts", { owner: "" })).status).toBe(400);
      expect((await client.post("/accounts", {})).status).toBe(400);
      expect(await store.streamVersion(`account-${id}`)).toBe(1);
      expect(await store.headPosition()).toBe(head);
      await cleanup();
    });

    it("answers 404 for an unknown account, to reads and to commands", async () => {
      const { client, cleanup } = await setup();
      expect((await client.get("/accounts/nope")).status).toBe(404);
      expect((await client.post("/accounts/nope/deposit", { amount: 1 })).status).toBe(404);
      await cleanup();
    });

    it("ends 50 concurrent deposits of 1 with a balance of 50", async () => {
      const { client, open, cleanup } = await setup();
      const id = await open();
      const results = await Promise.all(
        Array.from({ length: 50 }, () => client.post(`/accounts/${id}/deposit`, { amount: 1 })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
      expect((await client.get(`/accounts/${id}`)).body).toEqual({
        id,
        owner: "Ada",
        balance: 50,
        version: 51,
      });
      await cleanup();
    });
  });
}
