import type Database from "better-sqlite3";
import pg from "pg";
import {
  memoryDeclaredFlowStore,
  memoryEventStore,
  memoryFlowStore,
  memoryInbox,
} from "../adapters/memory/index.js";
import {
  postgresDeclaredFlowStore,
  postgresEventStore,
  postgresFlowStore,
  postgresInbox,
} from "../adapters/postgres/index.js";
import {
  sqliteDeclaredFlowStore,
  sqliteEventStore,
  sqliteFlowStore,
  sqliteInbox,
} from "../adapters/sqlite/index.js";
import type { Logger } from "../core/logger.js";
import { RepeatedFailure } from "../core/repeated-failure.js";
import type { DeclaredFlowStore } from "../ports/declared-flow-store.js";
import type { EventStore } from "../ports/event-store.js";
import type { FlowStore } from "../ports/flow-store.js";
import type { InboxStore } from "../ports/inbox-store.js";
import { locateStore } from "../ports/store-readiness.js";
import { DEFAULT_POOL_SIZE, postgresPoolConfig } from "./postgres-pool.js";
import { openSqliteFile } from "./sqlite-file.js";
import type { StoreUrl } from "./store-url.js";

/**
 * Connections of the one pool of a `postgres://` store, shared by its flow, declared-flow and event
 * stores, when its URL sets none (`?max=<n>` does, see {@link postgresPoolConfig}).
 */
export const STORE_POOL_SIZE = DEFAULT_POOL_SIZE;

/**
 * The drivers a store set opens its database with (DESIGN: drivers are injected through
 * factories). Each is called at most once per set.
 */
export interface StoreDrivers {
  /** Opens the database file of a `sqlite:` store (default {@link openSqliteFile}: WAL-ready, folder created). */
  readonly sqlite?: (path: string) => Database.Database;
  /** Creates the pool of a `postgres://` store (default `new pg.Pool(config)`). */
  readonly postgres?: (config: pg.PoolConfig) => pg.Pool;
}

/**
 * The stores of one store URL, each made once on the first ask, all on one database handle (a
 * SQLite file) or one pool (PostgreSQL): the features of a project share them. The set owns the
 * stores and the handle: `close()` closes every store it made, then the handle, once.
 */
export interface StoreSet {
  readonly store: StoreUrl;
  flowStore(): FlowStore;
  declaredFlowStore(): DeclaredFlowStore;
  eventStore(): EventStore;
  /** The inbox of idempotent entries (its table created on first use). */
  inbox(): InboxStore;
  /** Closes the stores made, then the database handle or pool (if one was opened); later calls wait for the first. */
  close(): Promise<void>;
}

interface Stores {
  flow(): FlowStore;
  declared(): DeclaredFlowStore;
  events(): EventStore;
  inbox(): InboxStore;
  /** Closes the database handle or pool, if one was opened. */
  end(): Promise<void>;
}

function sqliteStores(path: string, drivers: StoreDrivers): Stores {
  let database: Database.Database | undefined;
  const open = () => {
    database ??= (drivers.sqlite ?? openSqliteFile)(path);
    return database;
  };
  return {
    flow: () => sqliteFlowStore({ database: open() }),
    declared: () => sqliteDeclaredFlowStore({ database: open() }),
    events: () => sqliteEventStore({ database: open() }),
    inbox: () => sqliteInbox({ database: open() }),
    end: async () => {
      database?.close();
    },
  };
}

function postgresStores(url: string, drivers: StoreDrivers, logger: Logger | undefined): Stores {
  let pool: pg.Pool | undefined;
  const open = () => {
    if (pool === undefined) {
      pool = (drivers.postgres ?? ((config) => new pg.Pool(config)))(postgresPoolConfig(url));
      // An idle connection that the server (or the network) drops is an 'error' of the pool: without
      // a listener it crashed the process. The next query opens another; `/ready` says meanwhile.
      // Every idle connection drops at once: one line, then a count, and one when one connects again.
      const failures =
        logger === undefined
          ? undefined
          : new RepeatedFailure(logger, "a PostgreSQL connection of the stores");
      pool.on("error", (err) => failures?.failed(err));
      pool.on("connect", () => failures?.recovered());
    }
    return pool;
  };
  return {
    flow: () => postgresFlowStore({ pool: open() }),
    declared: () => postgresDeclaredFlowStore({ pool: open() }),
    events: () => postgresEventStore({ pool: open() }),
    inbox: () => postgresInbox({ pool: open() }),
    end: async () => pool?.end(),
  };
}

const memoryStores: Stores = {
  flow: () => memoryFlowStore(),
  declared: () => memoryDeclaredFlowStore(),
  events: () => memoryEventStore(),
  inbox: () => memoryInbox(),
  end: async () => undefined,
};

/**
 * Composes the stores a store URL names: `sqlite:` on one better-sqlite3 database, `postgres://`
 * on one `pg` pool (of `?max=` connections, default {@link STORE_POOL_SIZE}), `memory` in the process. Nothing is opened before a
 * store is asked for.
 *
 * @example
 * const stores = openStores(parseStoreUrl("sqlite:.tesserae/dev.db", root));
 * const engine = createFlowEngine({ store: stores.flowStore(), flows });
 * // … once the features using them have stopped:
 * await stores.close();
 */
export function openStores(store: StoreUrl, drivers: StoreDrivers = {}, logger?: Logger): StoreSet {
  const stores =
    store.kind === "sqlite"
      ? sqliteStores(store.path!, drivers)
      : store.kind === "postgres"
        ? postgresStores(store.url, drivers, logger)
        : memoryStores;
  const made: { close(): Promise<void> }[] = [];
  const once = <S extends { close(): Promise<void> }>(make: () => S) => {
    let s: S | undefined;
    return () => {
      if (s === undefined) {
        // Named by its masked URL when `/ready` finds it unanswering.
        s = locateStore(make(), store.display);
        made.push(s);
      }
      return s;
    };
  };
  let closing: Promise<void> | undefined;
  return {
    store,
    flowStore: once(stores.flow),
    declaredFlowStore: once(stores.declared),
    eventStore: once(stores.events),
    inbox: once(stores.inbox),
    close() {
      closing ??= (async () => {
        await Promise.allSettled(made.map((s) => s.close()));
        await stores.end();
      })();
      return closing;
    },
  };
}
