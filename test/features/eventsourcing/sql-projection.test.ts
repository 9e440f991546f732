import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { memoryEventStore } from "../../../src/adapters/memory/index.js";
import { sqliteEventStore } from "../../../src/adapters/sqlite/index.js";
import { TesseraError } from "../../../src/core/errors.js";
import { eventSourcing, projection } from "../../../src/features/eventsourcing/index.js";
import { counter } from "./fixtures.js";
import { sqlProjectionScenario } from "./sql-projection-scenario.js";

const dir = mkdtempSync(join(tmpdir(), "tesserae-sql-projection-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

sqlProjectionScenario("sqlite", async () => {
  const store = sqliteEventStore({ database: new Database(join(dir, `p-${++n}.db`)), closeDatabase: true });
  return { store, table: (name) => name, cleanup: () => store.close() };
});

describe("SQL projections on the memory store", () => {
  it("are refused when the runtime is made, TESSERA_DEFINITION naming the projection", () => {
    const p = projection({
      name: "balances",
      from: counter,
      collections: [],
      tables: {
        migrations: ["CREATE TABLE balances (id TEXT PRIMARY KEY)"],
        reset: ["DELETE FROM balances"],
      },
      handle: () => undefined,
    });
    let err: unknown;
    try {
      eventSourcing({ store: memoryEventStore(), projections: [p] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe("TESSERA_DEFINITION");
    expect((err as Error).message).toContain("balances");
  });
});

describe("a projection into its own tables only", () => {
  it("had to declare collections: [] (TESSERA_DEFINITION ….collections: expected array): collections are optional", () => {
    const p = projection({
      name: "balances-only",
      from: counter,
      tables: { migrations: ["CREATE TABLE b (id TEXT PRIMARY KEY)"], reset: ["DELETE FROM b"] },
      handle: () => undefined,
    });
    expect(p.collections).toEqual([]);
  });
});
