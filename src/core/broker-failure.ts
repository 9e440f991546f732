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

/** True for a failure built by {@link brokerFailure} (here or on the remote node that answered). */
export function isBrokerFailure(err: unknown): boolean {
  return (
    err instanceof TesseraError &&
    err.code === "TESSERA_UNAVAILABLE" &&
    (err.details as { reason?: unknown } | undefined)?.reason === "broker"
  );
}
