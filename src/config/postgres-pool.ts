import type pg from "pg";
import { TesseraError } from "../core/errors.js";

/** Connections of a node's one PostgreSQL pool when the URL sets none (`?max=`). */
export const DEFAULT_POOL_SIZE = 10;

/**
 * The `pg` pool settings of a `postgres://` store URL. `?max=<n>` sets the pool's size (pg reads
 * it from no URL, so it was ignored: issue 15, item 6) and is taken out of the URL; SSL stays in
 * it, where pg reads it: `sslmode` (`require`, `verify-ca`, `verify-full`), `sslrootcert` (the CA
 * file), `sslcert` and `sslkey` (a client certificate).
 *
 * @example
 * postgresPoolConfig("postgres://app@db/app?max=20&sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem")
 * // { connectionString: "postgres://app@db/app?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fdb-ca.pem", max: 20 }
 */
export function postgresPoolConfig(url: string): pg.PoolConfig {
  const q = url.indexOf("?");
  if (q < 0) return { connectionString: url, max: DEFAULT_POOL_SIZE };
  const params = new URLSearchParams(url.slice(q + 1));
  const given = params.get("max");
  if (given === null) return { connectionString: url, max: DEFAULT_POOL_SIZE };
  const max = Number(given);
  if (!Number.isInteger(max) || max < 1 || given.trim() === "")
    throw new TesseraError("TESSERA_CONFIG", `store: ?max=${given} is not a pool size (a whole number ≥ 1)`);
  params.delete("max");
  const rest = params.toString();
  return { connectionString: rest === "" ? url.slice(0, q) : `${url.slice(0, q)}?${rest}`, max };
}
