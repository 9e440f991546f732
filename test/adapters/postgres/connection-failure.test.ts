import { connect, createServer, type Server, type Socket } from "node:net";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { account, open } from "../../../examples/accounts/model.js";
import { guardedPool } from "../../../src/adapters/postgres/connection-failure.js";
import { postgresDeclaredFlowStore } from "../../../src/adapters/postgres/declared-flow-store.js";
import {
  postgresEventStore,
  postgresFlowStore,
  postgresInbox,
} from "../../../src/adapters/postgres/index.js";
import { isBrokerFailure } from "../../../src/core/broker-failure.js";
import { TesseraError } from "../../../src/core/errors.js";
import { eventSourcing } from "../../../src/features/eventsourcing/index.js";
import { dropSchema, newPool, PG_URL, postgresAvailable, testSchema } from "../../support/postgres.js";

/** A port nothing listens on (taken from the system, then let go). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function unavailable(promise: Promise<unknown>): Promise<TesseraError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TesseraError);
  const e = err as TesseraError;
  expect(e.code).toBe("TESSERA_UNAVAILABLE");
  expect(e.message).toMatch(/the PostgreSQL store is unreachable/);
  expect(isBrokerFailure(e)).toBe(true);
  return e;
}

const pools: pg.Pool[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end().catch(() => undefined)));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
const poolAt = (port: number, options: pg.PoolConfig = {}) => {
  const pool = new pg.Pool({ host: "127.0.0.1", port, user: "postgres", database: "test", ...options });
  pool.on("error", () => undefined);
  pools.push(pool);
  return pool;
};

describe("a PostgreSQL store that cannot reach its database (issue 17 follow-up, item 4)", () => {
  it("answers TESSERA_UNAVAILABLE (503, retryable), not TESSERA_INTERNAL, on a closed port", async () => {
    const pool = poolAt(await closedPort());
    await unavailable(postgresInbox({ pool }).ping());
    await unavailable(postgresFlowStore({ pool }).getRun("r1"));
    await unavailable(postgresDeclaredFlowStore({ pool }).listServices());
    const err = await unavailable(postgresFlowStore({ pool }).migrate());
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it("answers TESSERA_UNAVAILABLE when the server drops the connection", async () => {
    const server = createServer((socket) => socket.destroy());
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const pool = poolAt((server.address() as { port: number }).port);
    await unavailable(postgresFlowStore({ pool }).getRun("r1"));
  });

  it("answers TESSERA_UNAVAILABLE when no client comes within connectionTimeoutMillis", async () => {
    // A server that accepts and never answers: the pool's connect times out.
    const held: Socket[] = [];
    const server = createServer((socket) => held.push(socket));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const pool = poolAt((server.address() as { port: number }).port, { connectionTimeoutMillis: 200 });
    await unavailable(postgresFlowStore({ pool }).getRun("r1"));
    for (const s of held) s.destroy();
  });
});

const up = await postgresAvailable();

describe.skipIf(!up)("a PostgreSQL store whose database goes away after it started", () => {
  it("leaves a statement's own error as it was", async () => {
    const pool = newPool(1);
    pools.push(pool);
    const err = await guardedPool(pool)
      .query("SELECT * FROM no_such_table_i17")
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).not.toBeInstanceOf(TesseraError);
    expect((err as { code?: string }).code).toBe("42P01");
  });

  it("answers a create with TESSERA_UNAVAILABLE, not TESSERA_INTERNAL", async () => {
    // A TCP relay to the shared server, closed (with its connections) once the store has migrated.
    const target = new URL(PG_URL);
    const sockets: Socket[] = [];
    const relay = createServer((inbound) => {
      const upstream = connect(Number(target.port || 5432), target.hostname, () => {
        inbound.pipe(upstream).pipe(inbound);
      });
      sockets.push(inbound, upstream);
      upstream.on("error", () => inbound.destroy());
      inbound.on("error", () => upstream.destroy());
    });
    servers.push(relay);
    await new Promise<void>((r) => relay.listen(0, "127.0.0.1", r));
    const pool = poolAt((relay.address() as { port: number }).port);
    const schema = testSchema("connection_failure");
    const admin = newPool(1);
    try {
      await dropSchema(admin, schema);
      const store = postgresEventStore({ pool, schema });
      await store.migrate();
      const accounts = eventSourcing({ store }).repository(account);
      await accounts.create(() => open("Ada"));
      relay.close();
      for (const s of sockets) s.destroy();
      await unavailable(accounts.create(() => open("Bob")));
    } finally {
      await dropSchema(admin, schema);
      await admin.end();
    }
  });
});
