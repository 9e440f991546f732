// Issue 17, bug 4: a saga's remote step ran twice after a crash. Kill -9 of the `foo` process while
// its saga waited for `foobar.create`'s reply: the run resumed (good) and sent the call again with
// the same request id, and two FooBar aggregates existed. Now the call carries the step's key and
// `foobar.create` is idempotent: the repeat gets the first answer from the inbox (PostgreSQL).
// SAGA_IDEMPOTENT=0 declares it not idempotent: the test then finds the two aggregates of the bug.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { dropSchema, newPool, PG_URL, postgresAvailable, testSchema } from "../support/postgres.js";
import { killAll, type NodeProcess, startProcess } from "../support/processes.js";
import { NATS_URL, requireServer } from "../support/servers.js";

const up = (await postgresAvailable()) && (await requireServer("NATS", 4222));
const pool = newPool(2);
const schema = testSchema("saga_exactly_once");
const schemas = [schema];
afterAll(async () => {
  await killAll();
  for (const s of schemas) await dropSchema(pool, s).catch(() => undefined);
  await pool.end();
});

/** Resolves with the first stdout line that starts with `prefix`. */
function lineOf(p: NodeProcess, prefix: string, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`no ${prefix} line\n${p.stderr()}`)), timeoutMs);
    p.child.stdout!.on("data", (chunk: string) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith(prefix));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve(line);
    });
  });
}

async function until<T>(read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The run once it ended, and the FooBar streams of the schema. */
async function outcome(schema: string, runId: string) {
  const run = await until(async () => {
    const { rows } = await pool.query<{ status: string; output: string; error: string }>(
      `SELECT status, output, error FROM "${schema}".flow_runs WHERE id = $1`,
      [runId],
    );
    return rows[0]?.status === "completed" || rows[0]?.status === "failed" ? rows[0] : undefined;
  });
  const { rows } = await pool.query<{ stream: string }>(`SELECT DISTINCT stream FROM "${schema}".es_events`);
  return { run, streams: rows.map((r) => r.stream) };
}

describe.skipIf(!up)("a saga's remote step across a crash (two processes, NATS, PostgreSQL)", () => {
  it("SIGKILL of the caller while it waits for the reply, restart: exactly one FooBar, and the run completes with its id", async () => {
    await dropSchema(pool, schema);
    const env = {
      PG_URL,
      NATS_URL,
      SCHEMA: schema,
      SYSTEM: `saga${randomUUID().slice(0, 8)}`,
      IDEMPOTENT: process.env.SAGA_IDEMPOTENT ?? "1",
    };
    const callee = await startProcess(
      "saga-inbox-node.ts",
      { ...env, ROLE: "foobar", HOLD_MS: "3000" },
      30_000,
    );
    const created = lineOf(callee, "CREATED ");
    const foo = await startProcess("saga-inbox-node.ts", { ...env, ROLE: "foo", START: "1" }, 30_000);
    const { runId } = foo.ready as unknown as { runId: string };
    // The callee has created its aggregate and holds its answer: the caller waits for the reply.
    const foobar = (await created).slice("CREATED ".length);
    await foo.kill("SIGKILL");
    await startProcess("saga-inbox-node.ts", { ...env, ROLE: "foo" }, 30_000);
    const { run, streams } = await outcome(schema, runId);
    expect(run.status).toBe("completed");
    expect(streams).toHaveLength(1);
    expect(JSON.parse(run.output)).toEqual({ id: foobar });
  });

  it("SIGKILL of the callee after its write, before its answer; restart: the retried call finds the FooBar, exactly one", async () => {
    const schema2 = `${schema}_callee`;
    schemas.push(schema2);
    await dropSchema(pool, schema2);
    const env = {
      PG_URL,
      NATS_URL,
      SCHEMA: schema2,
      SYSTEM: `saga${randomUUID().slice(0, 8)}`,
      KEYED_WRITE: "1",
      CALL_TIMEOUT_MS: "4000",
    };
    const callee = await startProcess(
      "saga-inbox-node.ts",
      { ...env, ROLE: "foobar", HOLD_MS: "60000" },
      30_000,
    );
    const created = lineOf(callee, "CREATED ");
    const foo = await startProcess("saga-inbox-node.ts", { ...env, ROLE: "foo", START: "1" }, 30_000);
    const { runId } = foo.ready as unknown as { runId: string };
    const foobar = (await created).slice("CREATED ".length);
    await callee.kill("SIGKILL");
    // The caller's attempt times out, its retries find no responder until the callee is back; the
    // first attempt's key stays locked until its deadline plus 5 s, then a retry runs the handler,
    // whose keyed write finds the FooBar it created before the kill.
    await startProcess("saga-inbox-node.ts", { ...env, ROLE: "foobar" }, 30_000);
    const { run, streams } = await outcome(schema2, runId);
    expect(run, JSON.stringify(run)).toMatchObject({ status: "completed" });
    expect(streams).toHaveLength(1);
    expect(JSON.parse(run.output)).toEqual({ id: foobar });
  });
});
