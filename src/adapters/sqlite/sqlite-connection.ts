import type { Database } from "better-sqlite3";

/** The `PRAGMA synchronous` a store commits with; `keep` leaves the database's setting alone. */
export type SqliteSynchronous = "FULL" | "NORMAL" | "keep";

/**
 * What the stores on one better-sqlite3 database share. A transaction belongs to the connection,
 * not to a store, and the event store's transactions stay open across `await`s: so every
 * operation of every store on the connection runs in turn, and a flow commit never lands inside an
 * event-store transaction (nor is rolled back with it). `PRAGMA synchronous` is per connection too:
 * each store sets its own level before it works, so the stores of one handle keep the durability
 * each documents (the flow store `FULL`, the event store `NORMAL`).
 */
export class SqliteConnection {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private level: SqliteSynchronous | undefined;
  private readonly settle = () => {
    this.pending--;
  };

  constructor(readonly database: Database) {}

  /**
   * Runs `work` once every earlier operation on the connection has finished: at once when none is
   * pending (a synchronous operation then runs within the call, as a store of its own would).
   */
  run<T>(work: () => T | Promise<T>): Promise<T> {
    const idle = this.pending === 0;
    this.pending++;
    const result = idle ? attempt(work) : this.tail.then(work);
    this.tail = result.then(this.settle, this.settle);
    return result;
  }

  /** Commits from now on with `level` (nothing to do when it is the level already set). */
  synchronous(level: SqliteSynchronous): void {
    // SQLite refuses the change inside a transaction: one the application holds keeps its level.
    if (level === "keep" || level === this.level || this.database.inTransaction) return;
    this.database.pragma(`synchronous = ${level}`);
    this.level = level;
  }
}

function attempt<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err);
  }
}

const connections = new WeakMap<Database, SqliteConnection>();

/**
 * The connection state of a database, the same for every store given that database.
 *
 * @example
 * const connection = sqliteConnection(database);
 * await connection.run(() => database.prepare("SELECT 1").get());
 */
export function sqliteConnection(database: Database): SqliteConnection {
  let connection = connections.get(database);
  if (connection === undefined) {
    connection = new SqliteConnection(database);
    connections.set(database, connection);
  }
  return connection;
}
