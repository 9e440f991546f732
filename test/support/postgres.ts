import { createConnection } from "node:net";
import pg from "pg";
import { it } from "vitest";

/** The shared PostgreSQL of the machine (see shared/SERVERS.md). */
export const PG_URL = process.env.TESSERA_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/test";

function reachable(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Whether the PostgreSQL tests can run. When the server is unreachable the suite says so and skips
 * them, except under `CI=true`, where a failing test stands in their place.
 */
export async function postgresAvailable(): Promise<boolean> {
  if (await reachable(Number(new URL(PG_URL).port || 5432), new URL(PG_URL).hostname)) return true;
  const notice = `PostgreSQL is unreachable at ${new URL(PG_URL).host}`;
  if (process.env.CI === "true") {
    it("PostgreSQL is reachable (required under CI=true)", () => {
      throw new Error(`${notice} and CI=true requires it`);
    });
  } else {
    console.warn(`NOTICE: ${notice}: its integration tests are skipped (start it as shared/SERVERS.md says)`);
  }
  return false;
}

/** A schema name of its own for a test file (and a counter within it), dropped by {@link dropSchema}. */
export function testSchema(file: string, n = 0): string {
  return `t_${file.replace(/[^a-z0-9]/gi, "_").toLowerCase()}_${process.pid}_${n}`;
}

export function newPool(max = 10): pg.Pool {
  return new pg.Pool({ connectionString: PG_URL, max });
}

export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
