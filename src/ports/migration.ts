/**
 * One step of a store's schema: applied once, in `version` order, and recorded in the store's
 * migrations table. Never edit a released migration: add the next one. Migration 1 of each store is
 * the schema it had before migrations were versioned, written with `IF NOT EXISTS`, so that a
 * database created then takes it as applied.
 */
export interface Migration {
  readonly version: number;
  readonly sql: string;
}

/**
 * The migrations not applied yet, in order. Refuses a list whose versions are not 1, 2, 3…: a gap
 * or a duplicate is a mistake in the code, not in the database.
 *
 * @example
 * pendingMigrations(flowMigrations(t), new Set([1])) // the migrations after 1
 */
export function pendingMigrations(
  migrations: readonly Migration[],
  applied: ReadonlySet<number>,
): Migration[] {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new TypeError(`migration ${i + 1} is numbered ${m.version}: versions are 1, 2, 3…`);
  });
  return migrations.filter((m) => !applied.has(m.version));
}
