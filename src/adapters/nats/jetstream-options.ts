import { TesseraError } from "../../core/errors.js";

/**
 * JetStream settings of the NATS transport: how its streams (events, dead letters, last values) are
 * kept and replicated, and how its durable consumers pull. Every field is optional.
 *
 * @example
 * natsTransport({
 *   servers: ["nats://nats-1:4222", "nats://nats-2:4222", "nats://nats-3:4222"],
 *   jetstream: { replicas: 3, maxAgeMs: 3 * 24 * 3600_000, ackWaitMs: 60_000 },
 * });
 */
export interface JetStreamOptions {
  /** Prefix of the stream names (default `TESSERA_`, after `<system>_` with a system name). */
  readonly streamPrefix?: string;
  /**
   * Copies of each stream (1 to 5). Default: when the servers form a cluster, its size up to 3
   * (learned by trying 3, then fewer when the cluster cannot place them); else 1. An existing
   * stream with fewer replicas is scaled up to this number; one with more is left as it is.
   */
  readonly replicas?: number;
  /** How long an event or dead-letter stream keeps a message (default 7 days). */
  readonly maxAgeMs?: number;
  /** Largest size of an event or dead-letter stream in bytes; the oldest go first (default unlimited). */
  readonly maxBytes?: number;
  /** Most messages an event or dead-letter stream keeps; the oldest go first (default unlimited). */
  readonly maxMsgs?: number;
  /** Window of publish deduplication by message id (default 2 minutes, as JetStream). */
  readonly duplicateWindowMs?: number;
  /** `file` (default) or `memory`. */
  readonly storage?: "file" | "memory";
  /**
   * How long a durable publication may take, retries included (default 15 000 ms): during a leader
   * election (4 to 10 s) the stream answers nobody, and the publication is sent again.
   */
  readonly publishTimeoutMs?: number;
  /**
   * How long a request of JetStream's API that creates or changes a stream or a consumer may wait
   * for its answer (default 20 000 ms; nats.js: 5000). With a server of the cluster down, JetStream
   * took 7.3 s to create a 3-replica stream (issue 15 follow-up).
   */
  readonly apiTimeoutMs?: number;
  /** Unacknowledged messages a consumer holds at once (default 64). */
  readonly maxInFlight?: number;
  /**
   * How long one pull request of a consumer lives on the server (default 5000 ms; nats.js: 30 s).
   * A pull lost with a consumer's leader is replaced when it expires at the latest.
   */
  readonly pullExpiresMs?: number;
  /**
   * Interval of the server's heartbeats on a waiting pull (default 1000 ms, at least 500): two
   * missed ones and the consumer checks itself and pulls again, so it resumes within seconds of a
   * leader change.
   */
  readonly heartbeatMs?: number;
  /** Default ack wait of consumers that set none (default 30 000 ms): an unacknowledged delivery comes again after it. */
  readonly ackWaitMs?: number;
  /** Default deliveries of a message before it is dead-lettered, for consumers that set none (default 5). */
  readonly maxDeliveries?: number;
}

/** The default of {@link JetStreamOptions.apiTimeoutMs}. */
export const API_TIMEOUT_MS = 20_000;

/** The whole-number settings; the others are milliseconds (any positive number). */
const wholeNumbers = new Set(["replicas", "maxBytes", "maxMsgs", "maxInFlight", "maxDeliveries"]);

/** The refusal of `key`; `related` names the other setting that the check compared it with. */
function bad(key: string, value: unknown, what: string, related?: string): TesseraError {
  return new TesseraError("TESSERA_CONFIG", `jetstream.${key}: ${JSON.stringify(value)} is not ${what}`, {
    details: {
      name: `jetstream.${key}`,
      ...(related === undefined ? {} : { related: `jetstream.${related}` }),
    },
  });
}

/**
 * Checks JetStream settings before they reach the server, with `TESSERA_CONFIG` naming the one at
 * fault: JetStream would refuse some later, at the first emit (a duplicate window longer than the
 * max age), and nats.js others (a pull shorter than 1 s); a heartbeat over half the pull makes the
 * server refuse every pull, so the consumer would stop.
 *
 * @example
 * checkJetStreamOptions({ replicas: 3, heartbeatMs: 1000, pullExpiresMs: 5000 }); // passes
 */
export function checkJetStreamOptions(options: JetStreamOptions): void {
  for (const [key, value] of Object.entries(options)) {
    if (key === "streamPrefix" || key === "storage" || value === undefined) continue;
    const whole = wholeNumbers.has(key);
    if (
      typeof value !== "number" ||
      !Number.isFinite(value) ||
      value <= 0 ||
      (whole && !Number.isInteger(value))
    )
      throw bad(key, value, whole ? "a whole number of at least 1" : "a positive number of milliseconds");
  }
  const { replicas, storage, pullExpiresMs, heartbeatMs, duplicateWindowMs, maxAgeMs } = options;
  if (storage !== undefined && storage !== "file" && storage !== "memory")
    throw bad("storage", storage, '"file" or "memory"');
  if (replicas !== undefined && replicas > 5)
    throw bad("replicas", replicas, "from 1 to 5 (JetStream's limit)");
  const expires = pullExpiresMs ?? 5000;
  if (pullExpiresMs !== undefined && pullExpiresMs < 1000)
    throw bad("pullExpiresMs", pullExpiresMs, "at least 1000 ms (nats.js refuses shorter pulls)");
  if (heartbeatMs !== undefined && (heartbeatMs < 500 || heartbeatMs > expires / 2))
    throw bad(
      "heartbeatMs",
      heartbeatMs,
      `from 500 ms to half the pull (${expires / 2} ms): the server refuses a longer one`,
      "pullExpiresMs",
    );
  if (duplicateWindowMs !== undefined && duplicateWindowMs > (maxAgeMs ?? 7 * 24 * 3600_000))
    throw bad("duplicateWindowMs", duplicateWindowMs, "within the max age (maxAgeMs)", "maxAgeMs");
}
