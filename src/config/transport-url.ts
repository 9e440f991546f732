import { memoryTransport } from "../adapters/memory/index.js";
import { TesseraError } from "../core/errors.js";
import type { Transport } from "../ports/transport.js";

/** The transports a URL can name. */
export type TransportKind = "memory" | "nats";

/**
 * Checks a transport URL: `memory`, or `nats://host:port` (several servers: comma-separated).
 *
 * @example
 * transportKind("nats://127.0.0.1:4222") // "nats"
 */
export function transportKind(url: string): TransportKind {
  if (url === "memory") return "memory";
  if (/^(nats|tls):\/\//.test(url)) return "nats";
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? url;
  throw new TesseraError("TESSERA_CONFIG", `unknown transport "${scheme}": use memory or nats://host:port`);
}

/**
 * The transport a URL names. This is where the CLI composes adapters: core and features never
 * import one.
 */
export function transportFor(url: string): Transport {
  switch (transportKind(url)) {
    case "memory":
      return memoryTransport();
    case "nats":
      throw new TesseraError("TESSERA_CONFIG", "transport nats is not available yet: use memory");
  }
}
