import type { JetStreamOptions } from "../adapters/nats/jetstream-options.js";
import { TesseraError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import type { Transport } from "../core/transport.js";
import { type NatsSettingKey, type NatsSettings, natsSettingNames } from "./nats-settings.js";

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

export interface TransportUrlOptions {
  /** The connection's name on the broker (its monitoring shows it), e.g. the project's name. */
  readonly name?: string;
  /** NATS credentials, TLS and connect timeout (user and password or a token in the URL are read as well). */
  readonly security?: NatsSettings;
  /** Where each security setting came from, for refusals (see natsSources). */
  readonly securitySources?: Partial<Record<NatsSettingKey, string>> | undefined;
  /** The system's name: prefixes every subject and stream on NATS. */
  readonly system?: string | undefined;
  /** JetStream's replicas, limits and consumer pulls. */
  readonly jetstream?: JetStreamOptions | undefined;
  /** Where each JetStream setting came from, for refusals (see jetStreamSources). */
  readonly jetstreamSources?: Partial<Record<keyof JetStreamOptions, string>> | undefined;
  /** Where the transport logs what it changes on the broker (a stream scaled up, a consumer's new leader). */
  readonly logger?: Logger | undefined;
}

/**
 * The transport a URL names (not connected). This is where the CLI composes adapters: core and
 * features never import one. Each adapter is imported when named, so that a project on the memory
 * transport never loads nats.js.
 *
 * @example
 * const transport = await transportFor("nats://127.0.0.1:4222,nats://127.0.0.1:4223", { name: "shop" });
 */
export async function transportFor(url: string, options: TransportUrlOptions = {}): Promise<Transport> {
  switch (transportKind(url)) {
    case "memory": {
      const { memoryTransport } = await import("../adapters/memory/index.js");
      return memoryTransport();
    }
    case "nats": {
      const { natsTransport } = await import("../adapters/nats/index.js");
      const servers = url.split(",").map((s) => s.trim());
      return natsTransport({
        servers,
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.security === undefined ? {} : { security: options.security }),
        ...(options.securitySources === undefined
          ? {}
          : { securityNames: natsSettingNames(options.securitySources) }),
        ...(options.security?.connectTimeoutMs === undefined
          ? {}
          : { connectTimeoutMs: options.security.connectTimeoutMs }),
        ...(options.system === undefined ? {} : { system: options.system }),
        ...(options.jetstream === undefined ? {} : { jetstream: options.jetstream }),
        ...(options.jetstreamSources === undefined
          ? {}
          : {
              jetstreamNames: (key: keyof JetStreamOptions) =>
                options.jetstreamSources?.[key] ?? `jetstream.${key}`,
            }),
        ...(options.logger === undefined ? {} : { logger: options.logger }),
      });
    }
  }
}

/** True when several processes can share the transport (and so discover each other). */
export function isShared(url: string): boolean {
  return transportKind(url) !== "memory";
}
