/**
 * Checks the prefix of a store's table names (it is spliced into SQL): an identifier, e.g.
 * `tessera_flow_`. Stores with different prefixes can share one database file.
 */
export function tablePrefix(prefix: string): string {
  if (!/^[a-z_][a-z0-9_]*$/i.test(prefix))
    throw new TypeError(`table prefix "${prefix}" must be an identifier`);
  return prefix;
}
