import { expect } from "vitest";
import { z } from "zod";
import { memoryEventStore } from "../../../src/adapters/memory/index.js";
import { type Entity, eventSourcing } from "../../../src/features/eventsourcing/index.js";
import { createGateway } from "../../../src/features/gateway/index.js";
import { createNode, entry, service, silentLogger, type Transport } from "../../../src/index.js";
import { add, type Counter, counter } from "./fixtures.js";

/**
 * Bug 6 of issue 17: an entry returning the repository's own Entity answered 200 in one process
 * and 500 over the bus (`createdAt is a Date … use richJsonCodec`). Here a node serves it and a
 * node that runs nothing calls it, typed and through its gateway, on the transports `make` gives.
 */
export async function entityCrossesTheWire(
  make: () => Promise<Transport>,
  cleanup: (done: () => Promise<unknown>) => void,
) {
  const es = eventSourcing({ store: memoryEventStore() });
  const repo = es.repository(counter);
  const created = await repo.create(add(2));
  await repo.update(created.id, add(3));
  // Subjects are shared by the whole NATS server: a service name of its own per run.
  const name = `wirefoos${Math.random().toString(36).slice(2, 8)}`;
  const foos = service(name, {
    entries: {
      get: entry({ input: z.object({ id: z.string() }), route: `GET /${name}/:id` }, ({ id }) =>
        repo.get(id),
      ),
      list: entry({ route: `GET /${name}` }, async () => ({ items: await repo.find() })),
    },
  });
  const server = createNode({ services: [foos], transport: await make(), logger: silentLogger });
  await server.start();
  cleanup(() => server.stop());
  const caller = createNode({ services: [foos], run: [], transport: await make(), logger: silentLogger });
  await caller.start();
  cleanup(() => caller.stop());

  const local = await repo.get(created.id);
  const remote: Entity<Counter> = await caller.call(foos.entries.get, { id: created.id });
  // The same shape as in one process: Dates, the same values.
  expect(remote.createdAt).toBeInstanceOf(Date);
  expect(remote.updatedAt).toBeInstanceOf(Date);
  expect(remote.createdAt.getTime()).toBe(local.createdAt.getTime());
  expect(remote.updatedAt.getTime()).toBe(local.updatedAt.getTime());
  expect({ ...remote }).toEqual({ ...local });
  const page = await caller.call(foos.entries.list, undefined);
  expect(page.items[0]?.createdAt).toBeInstanceOf(Date);

  // Over HTTP on the node that does not run the service: 200, the entity's JSON form.
  const gateway = createGateway(caller);
  const r = await gateway.handle({ method: "GET", url: `/${name}/${created.id}`, headers: {} });
  expect(r.status).toBe(200);
  expect(JSON.parse(String(r.body))).toEqual({
    id: created.id,
    version: 2,
    createdAt: local.createdAt.toISOString(),
    updatedAt: local.updatedAt.toISOString(),
    deleted: false,
    state: { name: "", count: 5, tags: [] },
  });
  // The entity read back can travel again (a caller that returns what it got).
  expect(JSON.parse(JSON.stringify(remote))).toEqual(JSON.parse(String(r.body)));
}
