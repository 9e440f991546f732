import type { Pool, PoolClient } from "pg";
import { storeFailure } from "../../core/broker-failure.js";

/** Socket errors of a server that cannot be reached (or went away). */
const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

/** What `pg` says when a connection ends or cannot be had in time (its errors carry no code then). */
const PG_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /^Client has encountered a connection error/,
  /^Client was closed and is not queryable/,
];

/**
 * True for an error that says the database cannot be reached, not that a statement failed: a
 * socket error, `pg`'s "Connection terminated…" or "timeout exceeded when trying to connect", or a
 * PostgreSQL SQLSTATE of class 08 (connection exception) or 57P01–57P03 (the server shutting down
 * or starting).
 */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (
    typeof code === "string" &&
    (SOCKET_CODES.has(code) || code.startsWith("08") || /^57P0[123]$/.test(code))
  )
    return true;
  // Node's "happy eyeballs" (localhost on ::1 and 127.0.0.1) fails with an AggregateError of both.
  if (err instanceof AggregateError && err.errors.some(isConnectionError)) return true;
  return PG_MESSAGES.some((re) => re.test(err.message));
}

/** The error as callers should see it: a connection failure is `TESSERA_UNAVAILABLE` (503, retryable). */
export function mapConnectionError(err: unknown): unknown {
  if (!isConnectionError(err)) return err;
  const what = (err as Error).message || (err as { code?: string }).code || "connection failed";
  return storeFailure(`the PostgreSQL store is unreachable (${what})`, err);
}

const rethrow = (err: unknown): never => {
  throw mapConnectionError(err);
};

/**
 * A client whose queries answer a lost connection as {@link mapConnectionError} does. While it is
 * checked out, the pool no longer listens to its `error` event: a connection cut then would be an
 * uncaught exception that ends the process, so it listens itself until the client is released
 * (the query in flight rejects with the same error).
 */
function guardedClient(client: PoolClient): PoolClient {
  const ignore = () => undefined;
  client.on("error", ignore);
  return new Proxy(client, {
    get(target, prop) {
      if (prop === "release")
        return (...args: unknown[]) => {
          target.removeListener("error", ignore);
          return (target.release as (...a: unknown[]) => unknown)(...args);
        };
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === "query")
        return (...args: unknown[]) => {
          const result = (target.query as (...a: unknown[]) => unknown)(...args);
          return result instanceof Promise ? result.catch(rethrow) : result;
        };
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * The pool as the PostgreSQL stores use it: `query` and `connect` (and the connected client's
 * `query`) turn a connection failure — the server down, a connection cut, no client within
 * `connectionTimeoutMillis` — into `TESSERA_UNAVAILABLE` (503, retryable, `details.reason:
 * "store"`), where it was a 500 `TESSERA_INTERNAL` (issue 17 follow-up, item 4). Statement errors
 * are unchanged. Everything else is the pool itself.
 */
export function guardedPool(pool: Pool): Pool {
  if ((pool as { [GUARDED]?: true })[GUARDED] === true) return pool;
  return new Proxy(pool, {
    get(target, prop) {
      if (prop === GUARDED) return true;
      if (prop === "query")
        return (...args: unknown[]) => {
          const result = (target.query as (...a: unknown[]) => unknown)(...args);
          return result instanceof Promise ? result.catch(rethrow) : result;
        };
      if (prop === "connect")
        return (...args: unknown[]) => {
          if (args.length > 0) return (target.connect as (...a: unknown[]) => unknown)(...args);
          return target.connect().then(guardedClient, rethrow);
        };
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

const GUARDED = Symbol("tessera.guardedPool");
