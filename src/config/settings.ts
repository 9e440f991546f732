import { isAbsolute, resolve } from "node:path";
import { type CodecName, codecs } from "../core/codec.js";
import { TesseraError } from "../core/errors.js";
import { resolveInboxRetention } from "./inbox-settings.js";
import {
  type JetStreamSettings,
  type JetStreamSources,
  jetStreamSources,
  resolveJetStreamSettings,
} from "./jetstream-settings.js";
import { type NatsSettingKey, type NatsSettings, natsSources, resolveNatsSecurity } from "./nats-settings.js";
import type { GatewaySettings, ProjectConfig } from "./project-config.js";
import { defaultStoreUrl, parseStoreUrl, type StoreUrl } from "./store-url.js";
import { transportKind } from "./transport-url.js";

/** Settings given on the command line: they win over everything else. */
export interface SettingFlags {
  readonly transport?: string | undefined;
  readonly store?: string | undefined;
  readonly port?: number | undefined;
  readonly host?: string | undefined;
  readonly codec?: string | undefined;
  /** `-c`/`--config-file`: the services' JSON config file. */
  readonly configFile?: string | undefined;
}

/** How a project runs in a stage, once every layer is applied. */
export interface Settings {
  readonly transport: string;
  /** NATS credentials, TLS files and connect timeout (from `TESSERA_NATS_*`, the stage, the project file). */
  readonly nats: NatsSettings;
  /** Where each NATS setting came from: its variable, or its field of the stage or the project file. */
  readonly natsSources: Partial<Record<NatsSettingKey, string>>;
  /** The system's name on a shared NATS (`TESSERA_SYSTEM`, the stage's, the project file's `system`). */
  readonly system?: string;
  /** JetStream's replicas, limits and consumer pulls (`TESSERA_JETSTREAM_*`, the stage's, the project file's `jetstream`). */
  readonly jetstream: JetStreamSettings;
  /** Where each JetStream setting came from, for refusals at run time (see jetStreamSources). */
  readonly jetstreamSources: JetStreamSources;
  readonly store: StoreUrl;
  readonly gateway: GatewaySettings & { readonly port: number; readonly host: string };
  /** The transport's codec (`--codec`, `TESSERA_CODEC`, the stage's, the project file's `codec`; default `json`). */
  readonly codec: CodecName;
  /** The services' JSON config file, absolute (`-c`, `TESSERA_CONFIG_FILE`, the stage's, the project file's `serviceConfig`). */
  readonly serviceConfig?: string;
  /** How long the inbox keeps answers and handled ids (`TESSERA_INBOX_RETENTION_MS`, the stage's, the project file's `inboxRetentionMs`); unset: the node's 24 hours. */
  readonly inboxRetentionMs?: number;
}

function portOf(value: string | number, from: string): number {
  const port = typeof value === "number" ? value : Number(value);
  if (
    !Number.isInteger(port) ||
    port < 0 ||
    port > 65_535 ||
    (typeof value === "string" && value.trim() === "")
  ) {
    throw new TesseraError("TESSERA_CONFIG", `${from}: "${value}" is not a port number (0-65535)`);
  }
  return port;
}

/**
 * Resolves transport, store and gateway settings. Each comes from, in order of precedence: the
 * flag (`--transport`, `--store`, `--port`, `--host`), the environment (`TESSERA_TRANSPORT`,
 * `TESSERA_STORE`, `PORT`, `TESSERA_HOST`), the stage's section of the project file, the project
 * file, the default (`memory`, `sqlite:.tesserae/<stage>.db`, 3000, `127.0.0.1`).
 */
export function resolveSettings(
  config: ProjectConfig,
  stage: string,
  env: Readonly<Record<string, string | undefined>>,
  flags: SettingFlags,
  root: string,
): Settings {
  const own = config.stages?.[stage] ?? {};
  const pick = (...values: (string | undefined)[]) => values.find((v) => v !== undefined && v !== "");
  const transport = pick(flags.transport, env.TESSERA_TRANSPORT, own.transport, config.transport) ?? "memory";
  transportKind(transport);
  const store = parseStoreUrl(
    pick(flags.store, env.TESSERA_STORE, own.store, config.store) ?? defaultStoreUrl(stage),
    root,
  );
  const gateway = { ...config.gateway, ...own.gateway };
  const port =
    flags.port !== undefined
      ? portOf(flags.port, "--port")
      : env.PORT !== undefined && env.PORT !== ""
        ? portOf(env.PORT, "PORT")
        : portOf(gateway.port ?? 3000, "gateway.port");
  const host = pick(flags.host, env.TESSERA_HOST, gateway.host) ?? "127.0.0.1";
  const nats = resolveNatsSecurity(env, own.nats, config.nats);
  const natsFrom = natsSources(env, own.nats, config.nats);
  const system = pick(env.TESSERA_SYSTEM, own.system, config.system);
  const jetstream = resolveJetStreamSettings(env, own.jetstream, config.jetstream);
  const codec = codecOf(flags.codec, env.TESSERA_CODEC, own.codec, config.codec);
  const serviceConfig = pick(
    flags.configFile,
    env.TESSERA_CONFIG_FILE,
    own.serviceConfig,
    config.serviceConfig,
  );
  const retention = resolveInboxRetention(env, stage, own.inboxRetentionMs, config.inboxRetentionMs);
  return {
    codec,
    ...(retention.ms === undefined ? {} : { inboxRetentionMs: retention.ms }),
    ...(serviceConfig === undefined
      ? {}
      : { serviceConfig: isAbsolute(serviceConfig) ? serviceConfig : resolve(root, serviceConfig) }),
    transport,
    nats,
    natsSources: natsFrom,
    ...(system === undefined ? {} : { system }),
    jetstream,
    jetstreamSources: jetStreamSources(env, own.jetstream),
    store,
    gateway: { ...gateway, port, host },
  };
}

/** The first codec given, by precedence; a name that is not a codec names where it came from. */
function codecOf(...given: (string | undefined)[]): CodecName {
  const from = ["--codec", "TESSERA_CODEC", "the stage's codec", "codec"];
  for (const [i, value] of given.entries()) {
    if (value === undefined || value === "") continue;
    if (Object.hasOwn(codecs, value)) return value as CodecName;
    throw new TesseraError(
      "TESSERA_CONFIG",
      `${from[i]}: "${value}" is not a codec (${Object.keys(codecs).join(" or ")})`,
    );
  }
  return "json";
}
