import pg from "pg";
import { memoryEventStore } from "../adapters/memory/index.js";
import { postgresEventStore } from "../adapters/postgres/index.js";
import { sqliteEventStore } from "../adapters/sqlite/index.js";
import type { Logger } from "../core/logger.js";
import type { ServiceDef } from "../core/service.js";
import { type EventSourcing, eventSourcing } from "../features/eventsourcing/event-sourcing.js";
import type { EventStore } from "../ports/event-store.js";
import type { Project } from "./load-project.js";
import { openSqliteFile } from "./sqlite-file.js";
import type { StoreUrl } from "./store-url.js";

/** The event store a store URL names: a SQLite file (WAL), a PostgreSQL pool, or memory. */
export function eventStoreFor(store: StoreUrl): EventStore {
  if (store.kind === "sqlite") {
    return sqliteEventStore({ database: openSqliteFile(store.path!), closeDatabase: true });
  }
  if (store.kind === "postgres") {
    return postgresEventStore({
      pool: new pg.Pool({ connectionString: store.url, max: 10 }),
      closePool: true,
    });
  }
  return memoryEventStore();
}

/**
 * The event-sourcing runtime of a project that declares `eventSourcing`, on the stage's store, and
 * the services built on it; the runtime joins the node as a plugin (outbox relay, async projections).
 */
export function projectEventSourcing(
  project: Project,
  logger: Logger,
): { readonly es: EventSourcing; readonly services: readonly ServiceDef[] } | undefined {
  const config = project.config.eventSourcing;
  if (config === undefined) return undefined;
  const es = eventSourcing({
    store: eventStoreFor(project.settings.store),
    projections: config.projections ?? [],
    logger,
    closeStore: true,
  });
  return { es, services: config.services(es) };
}
