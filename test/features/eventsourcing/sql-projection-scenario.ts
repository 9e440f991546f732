import { afterEach, describe, expect, it, vi } from "vitest";
import { TesseraError } from "../../../src/core/errors.js";
import {
  type EventStore,
  eventSourcing,
  type ProjectionTables,
  projection,
} from "../../../src/features/eventsourcing/index.js";
import { add, counter } from "./fixtures.js";

/** A fresh store; `table(name)` is where the store's SQL projections keep `name` (a schema on PostgreSQL). */
export interface SqlStoreFixture {
  readonly store: EventStore;
  table(name: string): string;
  cleanup(): Promise<void>;
}

const waitFor = (check: () => Promise<void> | void) => vi.waitFor(check, { timeout: 10_000, interval: 20 });

/**
 * SQL projections (issue 17, the read side) on a SQL store: the projection's rows commit with its
 * checkpoint (async) or with the append (inline), or not at all.
 */
export function sqlProjectionScenario(
  name: string,
  open: () => Promise<SqlStoreFixture>,
  skip = false,
): void {
  describe.skipIf(skip)(`SQL projections: ${name}`, () => {
    const fixtures: SqlStoreFixture[] = [];
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
    });
    const fixture = async () => {
      const f = await open();
      fixtures.push(f);
      return f;
    };

    /** Totals per counter in a table; fails after its write while `fail.on` and the event adds 13. */
    const totalsTable = (
      t: string,
      mode: "inline" | "async",
      fail = { on: false, calls: 0 },
      more: readonly string[] = [],
    ) => {
      const tables: ProjectionTables = {
        migrations: [
          `CREATE TABLE ${t} (id TEXT PRIMARY KEY, total INTEGER NOT NULL, events INTEGER NOT NULL)`,
          ...more,
        ],
        reset: [`DELETE FROM ${t}`],
      };
      return projection({
        name: `sql-totals-${mode}`,
        mode,
        from: counter,
        collections: [],
        tables,
        async handle(e, _docs, sql) {
          const by = e.type === "added" ? e.data.by : 0;
          // The table's name differs per store here, so the text is built; its values are parameters.
          const [id, add] = sql.dialect === "postgres" ? ["$1", "$2"] : ["?", "?"];
          await sql.query(
            `INSERT INTO ${t} AS x (id, total, events) VALUES (${id}, ${add}, 1)
             ON CONFLICT (id) DO UPDATE SET total = x.total + excluded.total, events = x.events + 1`,
            [e.aggregateId, by],
          );
          if (by === 13 && fail.on) {
            fail.calls++;
            throw new Error("the handler fails after its SQL write");
          }
        },
      });
    };

    const rows = (store: EventStore, t: string) =>
      store.transaction(
        async (tx) =>
          (await tx.sql!.query<{ id: string; total: number; events: number }>(
            `SELECT id, CAST(total AS INTEGER) AS total, CAST(events AS INTEGER) AS events FROM ${t} ORDER BY id`,
          )) as { id: string; total: number; events: number }[],
      );

    it("an async SQL projection writes its table in the batch's transaction, with its checkpoint", async () => {
      const { store, table } = await fixture();
      const t = table("totals_async");
      const es = eventSourcing({ store, projections: [totalsTable(t, "async")] });
      await es.start();
      const repo = es.repository(counter);
      const a = await repo.create(add(2), { id: "a" });
      await repo.update(a.id, add(3));
      await repo.create(add(7), { id: "b" });
      await es.caughtUp();
      expect(await rows(store, t)).toEqual([
        { id: "a", total: 5, events: 2 },
        { id: "b", total: 7, events: 1 },
      ]);
      expect(await store.loadCheckpoint("projection:sql-totals-async")).toBe(await store.headPosition());
      await es.stop();
    });

    it("a handler that throws after its SQL write leaves neither the rows nor the checkpoint moved", async () => {
      const { store, table } = await fixture();
      const t = table("totals_fail");
      const fail = { on: true, calls: 0 };
      const p = totalsTable(t, "async", fail);
      const es = eventSourcing({ store, projections: [p] });
      const repo = es.repository(counter);
      await repo.create(add(1), { id: "a" });
      await repo.update("a", add(13));
      await es.start();
      // The batch (both events) is offered again and again; each attempt writes, then throws.
      await waitFor(() => expect(fail.calls).toBeGreaterThanOrEqual(2));
      expect(await rows(store, t)).toEqual([]);
      expect(await store.loadCheckpoint("projection:sql-totals-async")).toBe(0);
      fail.on = false;
      await es.caughtUp();
      expect(await rows(store, t)).toEqual([{ id: "a", total: 14, events: 2 }]);
      await es.stop();
    });

    it("an inline SQL projection that throws after its write fails the command: no event, no row", async () => {
      const { store, table } = await fixture();
      const t = table("totals_inline");
      const es = eventSourcing({ store, projections: [totalsTable(t, "inline", { on: true, calls: 0 })] });
      const repo = es.repository(counter);
      await repo.create(add(2), { id: "a" });
      await expect(repo.update("a", add(13))).rejects.toThrow("fails after its SQL write");
      expect((await repo.get("a")).version).toBe(1);
      expect(await rows(store, t)).toEqual([{ id: "a", total: 2, events: 1 }]);
    });

    it("a rebuild runs the tables' reset and replays the log into them", async () => {
      const { store, table } = await fixture();
      const t = table("totals_rebuild");
      const p = totalsTable(t, "async");
      const es = eventSourcing({ store, projections: [p] });
      await es.start();
      const repo = es.repository(counter);
      await repo.create(add(4), { id: "a" });
      await es.caughtUp();
      await store.transaction(async (tx) => {
        await tx.sql!.query(`UPDATE ${t} SET total = 999`);
      });
      await es.rebuild(p);
      expect(await rows(store, t)).toEqual([{ id: "a", total: 4, events: 1 }]);
      await es.stop();
    });

    it("applies each migration once: a runtime started again applies only the new ones", async () => {
      const { store, table } = await fixture();
      const t = table("totals_migrated");
      const v1 = totalsTable(t, "async");
      const first = eventSourcing({ store, projections: [v1] });
      await first.start();
      await first.stop();
      const v2 = totalsTable(t, "async", undefined, [`ALTER TABLE ${t} ADD COLUMN note TEXT`]);
      const second = eventSourcing({ store, projections: [v2] });
      await second.start(); // the CREATE TABLE, run again, would fail
      await second.start();
      expect(await store.loadCheckpoint("tables:sql-totals-async")).toBe(2);
      await store.transaction(async (tx) => {
        await tx.sql!.query(`INSERT INTO ${t} (id, total, events, note) VALUES ('n', 0, 0, 'ok')`);
      });
      await second.stop();
    });

    it("the tagged template sends its values as parameters in the store's placeholder syntax", async () => {
      const { store, table } = await fixture();
      const seen: unknown[] = [];
      const p = projection({
        name: "template",
        mode: "inline",
        from: counter,
        collections: [],
        tables: { migrations: [`CREATE TABLE ${table("unused")} (id TEXT)`], reset: [] },
        async handle(e, _docs, sql) {
          const by = e.type === "added" ? e.data.by : 0;
          seen.push(
            ...(await sql<{
              n: number;
              s: string;
            }>`SELECT CAST(${String(by)} AS INTEGER) AS n, ${"it's'); --"} AS s`),
          );
        },
      });
      await eventSourcing({ store, projections: [p] })
        .repository(counter)
        .create(add(42));
      expect(seen).toEqual([{ n: 42, s: "it's'); --" }]);
    });

    it("refuses sql in a projection that declares no tables, TESSERA_DEFINITION", async () => {
      const { store } = await fixture();
      const p = projection({
        name: "undeclared",
        mode: "inline",
        from: counter,
        collections: [],
        async handle(_e, _docs, sql) {
          await sql`SELECT 1`;
        },
      });
      const err = await eventSourcing({ store, projections: [p] })
        .repository(counter)
        .create(add(1))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TesseraError);
      expect((err as TesseraError).code).toBe("TESSERA_DEFINITION");
    });
  });
}
