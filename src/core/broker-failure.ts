import { TesseraError } from "./errors.js";

/**
 * A failure of the broker (NATS down or reconnecting, JetStream not answering), not of the node a
 * call went to. Adapters build it with this function so that a node's circuit breaker can leave it
 * out: a JetStream outage must not take every healthy node out of rotation (issue 15, item 7).
 * It crosses the wire in the error's details, so a remote node's broker failure stays one.
 *
 * @example
 * throw brokerFailure("JetStream did not store the message", err);
 */
export function brokerFailure(message: string, cause?: unknown): TesseraError {
  return new TesseraError("TESSERA_UNAVAILABLE", message, {
    details: { reason: "broker" },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * A failure of the store (the database unreachable, a connection cut, no connection in time): 503
 * `TESSERA_UNAVAILABLE`, retryable, and like a broker failure not the fault of the node that
 * answered it — every node shares the store (issue 17 follow-up, item 4).
 *
 * @example
 * throw storeFailure("the PostgreSQL store is unreachable (connect ECONNREFUSED 127.0.0.1:5432)", err);
 */
export function storeFailure(message: string, cause?: unknown): TesseraError {
  return new TesseraError("TESSERA_UNAVAILABLE", message, {
    details: { reason: "store" },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * True for a failure built by {@link brokerFailure} or {@link storeFailure} (here or on the remote
 * node that answered): shared infrastructure, not the node.
 */
export function isBrokerFailure(err: unknown): boolean {
  const reason = (err as { details?: { reason?: unknown } } | undefined)?.details?.reason;
  return (
    err instanceof TesseraError &&
    err.code === "TESSERA_UNAVAILABLE" &&
    (reason === "broker" || reason === "store")
  );
}
