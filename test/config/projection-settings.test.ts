import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sqliteEventStore } from "../../src/adapters/sqlite/index.js";
import { loadProject } from "../../src/config/load-project.js";
import { projectEventSourcing } from "../../src/config/project-event-sourcing.js";
import { resolveProjectionLease } from "../../src/config/projection-settings.js";
import type { StoreSet } from "../../src/config/store-set.js";
import { silentLogger } from "../../src/core/logger.js";
import { aggregate, projection } from "../../src/features/eventsourcing/index.js";

// Issue 15, item 5: one node runs each async projection, by a lease; its length is a setting of the
// project file and of the environment, like the flow engine's.

describe("projection lease settings", () => {
  it("come from the environment, else the project file's eventSourcing.projectionLease", () => {
    expect(resolveProjectionLease({}, undefined)).toEqual({});
    expect(
      resolveProjectionLease(
        { TESSERA_PROJECTIONS_LEASE_MS: "9000", TESSERA_PROJECTIONS_POLL_MS: "" },
        { leaseMs: 3000, pollMs: 400, renewMs: 2000 },
      ),
    ).toEqual({ leaseMs: 9000, pollMs: 400, renewMs: 2000 });
  });

  it("refuse a value that is not a positive number, naming where it came from, and a renewal not shorter than the lease", () => {
    expect(() => resolveProjectionLease({ TESSERA_PROJECTIONS_LEASE_MS: "5s" }, undefined)).toThrow(
      /TESSERA_PROJECTIONS_LEASE_MS: "5s" is not a number of milliseconds/,
    );
    expect(() => resolveProjectionLease({}, { pollMs: 0 })).toThrow(/eventSourcing.projectionLease.pollMs/);
    try {
      resolveProjectionLease({ TESSERA_PROJECTIONS_RENEW_MS: "5000" }, undefined);
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe("TESSERA_CONFIG");
      expect((err as Error).message).toMatch(
        /TESSERA_PROJECTIONS_RENEW_MS \(5000\) must be shorter than the default lease: 5000 ms/,
      );
    }
  });

  it("a renewal not shorter than the lease, both set by environment variables, is refused naming the variables, not the project fields", () => {
    const env = { TESSERA_PROJECTIONS_LEASE_MS: "1000", TESSERA_PROJECTIONS_RENEW_MS: "1000" };
    expect(() => resolveProjectionLease(env, undefined)).toThrow(
      "TESSERA_PROJECTIONS_RENEW_MS (1000) must be shorter than the lease (TESSERA_PROJECTIONS_LEASE_MS): 1000 ms",
    );
    expect(() => resolveProjectionLease({}, { leaseMs: 800, renewMs: 900 })).toThrow(
      "eventSourcing.projectionLease.renewMs (900) must be shorter than the lease (eventSourcing.projectionLease.leaseMs): 800 ms",
    );
  });

  it("a project's event-sourcing runtime holds its projections' lease for TESSERA_PROJECTIONS_LEASE_MS", async () => {
    const loaded = await loadProject({
      config: "examples/text/tesserae.config.ts",
      store: "memory",
      processEnv: { ...process.env, TESSERA_PROJECTIONS_LEASE_MS: "60000" },
    });
    const thing = aggregate("thing", { initial: () => ({}), evolve: (s: object) => s });
    const view = projection({
      name: "things",
      from: thing,
      collections: ["things"],
      handle: () => undefined,
    });
    const project = {
      ...loaded,
      config: { ...loaded.config, eventSourcing: { services: () => [], projections: [view] } },
    };
    const database = new Database(":memory:");
    const store = sqliteEventStore({ database });
    const { es } = projectEventSourcing(
      project,
      { eventStore: () => store } as unknown as StoreSet,
      silentLogger,
    )!;
    const before = Date.now();
    await es.start({ id: "node-1" });
    try {
      const { holder, until } = database
        .prepare("SELECT holder, until FROM tessera_es_leases WHERE name = 'projection:things'")
        .get() as { holder: string; until: number };
      expect(holder).toBe("node-1");
      expect(until - before).toBeGreaterThan(50_000);
      expect(until - before).toBeLessThan(70_000);
    } finally {
      await es.stop();
      database.close();
    }
  });
});
