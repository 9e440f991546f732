import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import { errors } from "@nats-io/transport-node";
import { brokerFailure } from "../../core/broker-failure.js";
import { TesseraError } from "../../core/errors.js";

/** A failure of JetStream's API as a broker failure; our own errors (a bad setting) as they are. */
export function asBrokerFailure(message: string, err: unknown): TesseraError {
  return err instanceof TesseraError ? err : brokerFailure(message, err);
}

/** JetStream's API answered with this error code. */
export function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

/**
 * JetStream is not enabled on the server or the account: nats.js's JetStreamNotEnabled (no
 * responders to its API, or error 10039), not exported by nats.js, so known by its name and causes.
 * Unlike an unavailable JetStream (a quorum lost, a leader being elected), waiting does not help.
 */
export function jetStreamDisabled(err: unknown): boolean {
  for (let e = err, depth = 0; e !== undefined && depth < 5; e = (e as Error).cause, depth++) {
    if ((e as Error).name === "JetStreamNotEnabled") return true;
    if (e instanceof errors.NoRespondersError || (e instanceof errors.RequestError && e.isNoResponders()))
      return true;
    if (isApiError(e, JetStreamApiCodes.JetStreamNotEnabledForAccount)) return true;
  }
  return false;
}

/**
 * How long a durable consumer's first setup may hold the node's start before it goes on in the
 * background: a degraded cluster created a 3-replica stream in 7.3 s, and one that lost its quorum
 * does not answer for the API timeout (issue 15 verification: a start waited 18 s, port closed).
 */
export const FIRST_SETUP_WAIT_MS = 5000;
/** The same while another consumer's setup goes on in the background (JetStream is degraded). */
export const DEGRADED_SETUP_WAIT_MS = 1000;

/** The promise's outcome, or undefined when it takes longer than `ms` (it goes on). */
export async function settledWithin<T>(
  p: Promise<T>,
  ms: number,
): Promise<{ value: T } | { error: unknown } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => {
    timer = setTimeout(() => r(undefined), ms);
  });
  try {
    return await Promise.race([
      p.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
