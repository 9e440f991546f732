import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

/**
 * Opens the database file of a `sqlite:<path>` store, creating its folder first: better-sqlite3
 * creates a missing file but not a missing folder ("Cannot open database because the directory
 * does not exist"), and the default store's `.tesserae/` does not exist in a fresh checkout.
 *
 * @example
 * const database = openSqliteFile("/app/.tesserae/dev.db");
 */
export function openSqliteFile(path: string): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  return new Database(path);
}
