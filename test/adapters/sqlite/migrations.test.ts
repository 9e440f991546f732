import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import {
  sqliteDeclaredFlowStore,
  sqliteEventStore,
  sqliteFlowStore,
} from "../../../src/adapters/sqlite/index.js";
import { migrateSqlite } from "../../../src/adapters/sqlite/sqlite-migrations.js";

const dir = mkdtempSync(join(tmpdir(), "tesserae-sqlite-migrations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `m-${++n}.db`);

const versions = (db: Database.Database, table: string) =>
  db.prepare(`SELECT version FROM ${table} ORDER BY version`).pluck().all();

describe("SQLite migrations", () => {
  it("are applied once per database, whichever store or handle runs them", async () => {
    const path = file();
    const [a, b] = [new Database(path), new Database(path)];
    await sqliteFlowStore({ database: a }).migrate();
    await sqliteFlowStore({ database: b }).migrate();
    await sqliteDeclaredFlowStore({ database: a }).migrate();
    await sqliteDeclaredFlowStore({ database: b }).migrate();
    sqliteEventStore({ database: a });
    sqliteEventStore({ database: b });
    // The flow store's migration 2: the journal's position column (parallel branches, issue 14).
    expect(versions(a, "tessera_flow_migrations")).toEqual([1, 2, 3, 4, 5]);
    expect(versions(a, "tessera_declared_migrations")).toEqual([1]);
    // The event store's migration 2: the projection runners' leases (issue 15, item 5).
    expect(versions(a, "tessera_es_migrations")).toEqual([1, 2]);
    a.close();
    b.close();
  });

  it("keep an event store created before they were versioned (migration 1 is its schema)", async () => {
    const path = file();
    const before = new Database(path);
    const old = sqliteEventStore({ database: before, closeDatabase: true });
    await old.append("account-1", [{ type: "opened", data: { owner: "Ada" } }], { expectedVersion: 0 });
    await old.close();
    // What the store left before its migrations were versioned: the same tables, no migrations table.
    const raw = new Database(path);
    raw.exec("DROP TABLE tessera_es_migrations");
    raw.close();

    const database = new Database(path);
    const store = sqliteEventStore({ database, closeDatabase: true });
    expect((await store.readStream("account-1")).map((e) => e.data)).toEqual([{ owner: "Ada" }]);
    await store.append("account-1", [{ type: "deposited", data: { amount: 5 } }], { expectedVersion: 1 });
    expect(versions(database, "tessera_es_migrations")).toEqual([1, 2]);
    await store.close();
  });

  it("run the next migration only, and refuse a list that skips a version", () => {
    const database = new Database(file());
    migrateSqlite(database, "m_migrations", [{ version: 1, sql: "CREATE TABLE IF NOT EXISTS m_a (x)" }]);
    migrateSqlite(database, "m_migrations", [
      { version: 1, sql: "CREATE TABLE m_a (x)" }, // applied: not run again (it would fail)
      { version: 2, sql: "CREATE TABLE m_b (y)" },
    ]);
    expect(versions(database, "m_migrations")).toEqual([1, 2]);
    expect(() =>
      migrateSqlite(database, "m_migrations", [{ version: 2, sql: "CREATE TABLE m_c (z)" }]),
    ).toThrow(/versions are 1, 2, 3/);
    database.close();
  });
});
