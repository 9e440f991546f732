// `npx tsx bench/inbox-cost.ts`: what the inbox of idempotent entries costs per call (issue 17).
// In one process, 100 calls in flight (a closed loop): a plain entry beside the same entry declared
// idempotent and called with a new key each time (a claim, then the answer stored: two writes), on
// each inbox; then the accounts example's deposit on PostgreSQL with and without a key, where the
// inbox's writes sit beside the event store's. Prints calls/s, µs per call and the ratio to the
// same call without the inbox. BENCH_DURATION (s, default 5) per row; PostgreSQL at PG_URL.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { z } from "zod";
import { account } from "../examples/accounts/model.js";
import { accountsService } from "../examples/accounts/service.js";
import { memoryInbox, memoryTransport } from "../src/adapters/memory/index.js";
import { postgresEventStore, postgresInbox } from "../src/adapters/postgres/index.js";
import { sqliteInbox } from "../src/adapters/sqlite/index.js";
import type { EntryInbox } from "../src/core/inbox.js";
import { eventSourcing } from "../src/features/eventsourcing/index.js";
import { createNode, entry, service, silentLogger } from "../src/index.js";
import { closedLoop } from "./lib/closed-loop.js";

const ms = Number(process.env.BENCH_DURATION ?? 5) * 1000;
const PG_URL = process.env.PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `bench_inbox_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), "tesserae-inbox-bench-"));
const pool = new pg.Pool({ connectionString: PG_URL, max: 20 });
let n = 0;
const key = () => `k${++n}`;

interface Row {
  readonly name: string;
  readonly base: string | undefined;
  readonly perSecond: number;
}
const rows: Row[] = [];

async function measure(name: string, base: string | undefined, call: () => Promise<unknown>) {
  await closedLoop(call, 100, Math.min(1000, ms / 5)); // warm-up
  const r = await closedLoop(call, 100, ms);
  rows.push({ name, base, perSecond: r.calls / r.seconds });
  const row = rows.at(-1)!;
  const against = rows.find((x) => x.name === base);
  const ratio = against === undefined ? "" : `  ${(row.perSecond / against.perSecond).toFixed(2)}× ${base}`;
  console.log(
    `${name.padEnd(44)} ${Math.round(row.perSecond).toString().padStart(8)} calls/s ${(1e6 / row.perSecond).toFixed(1).padStart(8)} µs/call${ratio}`,
  );
}

const Echo = z.object({ x: z.number() });
async function echoRows(inboxName: string, inbox: EntryInbox) {
  const svc = service("bench", {
    entries: {
      plain: entry({ input: Echo }, ({ x }) => ({ x })),
      once: entry({ input: Echo, idempotent: true }, ({ x }) => ({ x })),
    },
  });
  const node = createNode({ services: [svc], transport: memoryTransport(), logger: silentLogger, inbox });
  await node.start();
  if (!rows.some((r) => r.name === "echo, not idempotent"))
    await measure("echo, not idempotent", undefined, () => node.call(svc.entries.plain, { x: 1 }));
  await measure(`echo, idempotent, new key, ${inboxName} inbox`, "echo, not idempotent", () =>
    node.call(svc.entries.once, { x: 1 }, { idempotencyKey: key() }),
  );
  await node.stop();
}

try {
  console.log(`inbox cost: 100 calls in flight, ${ms / 1000} s per row\n`);
  await echoRows("memory", memoryInbox());
  const sqlite = sqliteInbox({ database: new Database(join(dir, "inbox.db")), closeDatabase: true });
  await sqlite.migrate();
  await echoRows("SQLite", sqlite);
  await sqlite.close();
  const postgres = postgresInbox({ pool, schema });
  await postgres.migrate();
  await echoRows("PostgreSQL", postgres);

  // The deposit of the accounts example on PostgreSQL, 100 accounts: the inbox beside a real write.
  const es = eventSourcing({ store: postgresEventStore({ pool, schema }) });
  const accounts = accountsService(es);
  const node = createNode({
    services: [accounts],
    transport: memoryTransport(),
    logger: silentLogger,
    inbox: postgres,
  });
  await node.start();
  const ids: string[] = [];
  for (let i = 0; i < 100; i++)
    ids.push((await es.repository(account).create(() => ({ type: "opened", data: { owner: "b" } }))).id);
  let next = 0;
  const id = () => ids[next++ % ids.length]!;
  await measure("deposit on PostgreSQL, no key", undefined, () =>
    node.call(accounts.entries.deposit, { id: id(), amount: 1 }),
  );
  await measure("deposit on PostgreSQL, new key each", "deposit on PostgreSQL, no key", () =>
    node.call(accounts.entries.deposit, { id: id(), amount: 1 }, { idempotencyKey: key() }),
  );
  await node.stop();
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await pool.end();
  rmSync(dir, { recursive: true, force: true });
}
