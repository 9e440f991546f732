import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { sqliteEventStore, sqliteFlowStore } from "../../../src/adapters/sqlite/index.js";

// The stores of a project share one database handle: a transaction belongs to the connection, and
// the event store's stay open across awaits.
const dir = mkdtempSync(join(tmpdir(), "tesserae-sqlite-shared-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SQLite stores on one handle", () => {
  it("take turns: a flow commit never lands inside an event-store transaction that rolls back", async () => {
    const path = join(dir, "turns.db");
    const database = new Database(path);
    const flows = sqliteFlowStore({ database });
    await flows.migrate();
    const events = sqliteEventStore({ database });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tx = events.transaction(async (t) => {
      await t.append("stream-1", [{ type: "noted", data: 1 }]);
      await gate;
      throw new Error("rolled back");
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const commit = flows.commit({
      owner: "worker",
      now: Date.now(),
      leaseMs: 1000,
      creates: [{ id: "run-1", flow: "greet", version: "1", input: { name: "Ada" } }],
      writes: [],
    });
    release();
    await expect(tx).rejects.toThrow("rolled back");
    expect((await commit).created.get("run-1")?.created).toBe(true);
    expect(await events.streamVersion("stream-1")).toBe(0);
    // Committed for every connection, not left in an open transaction.
    const other = new Database(path, { readonly: true });
    expect(other.prepare("SELECT id FROM tessera_flow_runs").pluck().all()).toEqual(["run-1"]);
    other.close();
    database.close();
  });

  it("keep the durability each store documents (flow commits FULL, event appends NORMAL)", async () => {
    const database = new Database(join(dir, "levels.db"));
    const flows = sqliteFlowStore({ database });
    await flows.migrate();
    const events = sqliteEventStore({ database });
    const level = () => database.pragma("synchronous", { simple: true });
    await events.append("stream-1", [{ type: "noted", data: 1 }]);
    expect(level()).toBe(1);
    await flows.releaseAll("worker", Date.now());
    expect(level()).toBe(2);
    await events.append("stream-1", [{ type: "noted", data: 2 }]);
    expect(level()).toBe(1);
    database.close();
  });
});
