import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { postgresEventStore } from "../../src/adapters/postgres/index.js";
import { dropSchema, newPool, PG_URL, postgresAvailable, testSchema } from "../support/postgres.js";
import { killAll, type NodeProcess, startProcess } from "../support/processes.js";

// Issue 15, item 5: three nodes on one PostgreSQL applied 147, 247 and 168 events of one projection
// and logged 81 checkpoint conflicts. Now one node runs it (a lease), and a dead node's projection
// moves to another within its lease (5 s by default) plus a standby poll (1 s).

vi.setConfig({ testTimeout: 120_000 });
const pgUp = await postgresAvailable();
const pool = newPool(4);
const schemas: string[] = [];
afterEach(killAll);
afterAll(async () => {
  for (const s of schemas) await dropSchema(pool, s);
  await pool.end();
});

const LEASE_MS = 5000;
const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
  return Date.now() - start;
}

/** The JSON log lines a node process wrote on stderr. */
const logOf = (p: NodeProcess) =>
  p
    .stderr()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: string; msg: string });

describe.skipIf(!pgUp)("one runner per projection across node processes on PostgreSQL", () => {
  it("one node of three applies every event; SIGKILL moves the projection within the lease, SIGTERM at the next poll; every event is applied once", async () => {
    const schema = testSchema("projection_failover", 1);
    schemas.push(schema);
    await dropSchema(pool, schema);
    const store = postgresEventStore({ pool, schema });
    await store.migrate();
    const env = { STORE: `postgres:${schema}`, PG_URL };
    const nodes = await Promise.all(
      ["n1", "n2", "n3"].map((id) => startProcess("projection-node.ts", { ...env, NODE_ID: id })),
    );

    // A writer appends all along: 5 events every 50 ms, over 20 streams.
    let writing = true;
    let appended = 0;
    const writer = (async () => {
      while (writing) {
        await store.append(
          `account-${appended % 20}`,
          Array.from({ length: 5 }, () => ({ type: "deposited", data: { amount: 1 } })),
        );
        appended += 5;
        await sleep(50);
      }
    })();
    const byNode = async () => {
      const rows = await pool.query<{ by: string; n: string; max: number }>(
        `SELECT doc->>'by' AS by, count(*) AS n, max((doc->>'n')::int) AS max FROM "${schema}".es_documents
         WHERE collection = 'tally' GROUP BY 1`,
      );
      expect(rows.rows.every((r) => r.max === 1)).toBe(true);
      return Object.fromEntries(rows.rows.map((r) => [r.by, Number(r.n)]));
    };
    const applied = async (id: string) => (await byNode())[id] ?? 0;

    // Phase 1: all three live for 3 s of appends (several renewals and standby polls).
    await until(async () => appended >= 300, 30_000, "300 events appended");
    const phase1 = await byNode();
    const holders = Object.keys(phase1);
    expect(holders).toHaveLength(1);
    const first = nodes.find((n) => n.ready.id === holders[0])!;

    // Phase 2: SIGKILL the holder; another takes over once its lease ends.
    await first.kill("SIGKILL");
    const others = nodes.filter((n) => n !== first);
    const killedMs = await until(
      async () => (await Promise.all(others.map((n) => applied(n.ready.id)))).some((c) => c > 0),
      LEASE_MS + POLL_MS + 9000,
      "another node to apply events after the SIGKILL",
    );
    const counts = await byNode();
    const second = others.find((n) => (counts[n.ready.id] ?? 0) > 0)!;
    const third = others.find((n) => n !== second)!;
    expect(counts[third.ready.id] ?? 0).toBe(0);

    // Phase 3: SIGTERM the new holder: it releases the lease, the last node takes over at its next poll.
    const exited = new Promise<number | null>((resolve) => second.child.once("exit", resolve));
    second.child.kill("SIGTERM");
    const termMs = await until(
      async () => (await applied(third.ready.id)) > 0,
      POLL_MS + 9000,
      "the last node to apply events after the SIGTERM",
    );
    expect(await exited).toBe(0);

    writing = false;
    await writer;
    const head = await store.headPosition();
    await until(
      async () => (await store.loadCheckpoint("projection:tally")) === head,
      30_000,
      "the projection to catch up",
    );
    const final = await byNode();
    // Every event applied exactly once (n = 1 checked in byNode), by the three holders in turn.
    expect(Object.values(final).reduce((a, b) => a + b, 0)).toBe(head);
    expect(Object.keys(final).sort()).toEqual(["n1", "n2", "n3"]);
    const infos = (p: NodeProcess) => logOf(p).filter((l) => l.msg.startsWith("projection tally"));
    // The second holder was stopped with SIGTERM: it says so as it hands over.
    expect(infos(second).map((l) => l.msg)).toEqual([
      `projection tally: taken over from ${first.ready.id}`,
      "projection tally: standing down (the node stops)",
    ]);
    expect(infos(third).map((l) => l.msg)).toEqual([`projection tally: taken over from ${second.ready.id}`]);
    for (const n of nodes) expect(logOf(n).filter((l) => l.level === "warn")).toEqual([]);
    console.log(
      `projection failover: ${head} events; after SIGKILL another node applied events ${killedMs} ms later, after SIGTERM ${termMs} ms later`,
    );
  });
});
