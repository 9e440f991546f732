import { TesseraError } from "../../core/errors.js";

export interface ZeromqTransportOptions {
  /** Endpoints this transport listens on (`host:port`), where its peers connect. */
  readonly bind?: readonly string[];
  /** Endpoints of the peers it connects to (`host:port`). */
  readonly connect?: readonly string[];
  /** Largest payload in bytes (default 1 MiB, as NATS). */
  readonly maxPayload?: number;
  /** How long `close()` waits for in-flight replies (default 2000 ms). */
  readonly drainTimeoutMs?: number;
  /** How long `connect()` waits for each peer's hello before going on without it (default 2000 ms). */
  readonly helloTimeoutMs?: number;
  /** Beat interval on links (default 1000 ms); a peer silent for three beats is gone. */
  readonly beatMs?: number;
  /**
   * Bytes that may wait in this process for one peer that does not keep up (default 64 MiB, as
   * nats-server's `max_pending`). Past it the peer is dropped as a slow consumer: what waited for
   * it is discarded, its requests fail with `TESSERA_UNAVAILABLE`, and it is served again once it
   * answers the hello it is then sent.
   */
  readonly maxQueuedBytes?: number;
}

/** The options of a ZeroMQ transport with their defaults, checked. */
export interface CheckedOptions {
  readonly bind: readonly string[];
  readonly connect: readonly string[];
  readonly maxPayload: number;
  readonly drainTimeoutMs: number;
  readonly helloTimeoutMs: number;
  readonly beatMs: number;
  readonly maxQueuedBytes: number;
}

const defaults = {
  maxPayload: 1024 * 1024,
  drainTimeoutMs: 2000,
  helloTimeoutMs: 2000,
  beatMs: 1000,
  maxQueuedBytes: 64 * 1024 * 1024,
} as const;

function bad(key: string, value: unknown, expected: string): TesseraError {
  const shown = typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value));
  return new TesseraError("TESSERA_CONFIG", `zeromqTransport: ${key} is ${shown}, expected ${expected}`, {
    details: { option: key },
  });
}

function endpoints(key: "bind" | "connect", value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    throw bad(key, value, 'a list of host:port endpoints (e.g. ["127.0.0.1:7001"])');
  return value as string[];
}

function whole(key: keyof typeof defaults, value: unknown, least: number): number {
  if (value === undefined) return defaults[key];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < least)
    throw bad(key, value, `a whole number ≥ ${least}`);
  return value;
}

/**
 * Reads the options given to `zeromqTransport`, refusing a wrong one with `TESSERA_CONFIG` naming
 * it (a zero `beatMs` would beat without pause, a negative `maxQueuedBytes` drop every peer).
 */
export function checkedOptions(options: ZeromqTransportOptions): CheckedOptions {
  if (typeof options !== "object" || options === null)
    throw bad("options", options, "an object such as { bind: [...], connect: [...] }");
  return {
    bind: endpoints("bind", options.bind),
    connect: endpoints("connect", options.connect),
    maxPayload: whole("maxPayload", options.maxPayload, 1),
    drainTimeoutMs: whole("drainTimeoutMs", options.drainTimeoutMs, 0),
    helloTimeoutMs: whole("helloTimeoutMs", options.helloTimeoutMs, 0),
    beatMs: whole("beatMs", options.beatMs, 1),
    maxQueuedBytes: whole("maxQueuedBytes", options.maxQueuedBytes, 1),
  };
}
