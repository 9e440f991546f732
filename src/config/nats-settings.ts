import type { NatsSecurity } from "../adapters/nats/nats-security.js";
import { checkNatsSecurity, type NatsSecurityKey } from "../adapters/nats/nats-security-check.js";
import { TesseraError } from "../core/errors.js";

/** The NATS connection settings of a project: credentials, TLS files and the connect timeout. */
export interface NatsSettings extends NatsSecurity {
  /** How long a first connection may take before it fails with its likely cause (default 5000 ms). */
  readonly connectTimeoutMs?: number;
}

/** The environment variables of the NATS settings, by setting. */
export const NATS_ENV = {
  user: "TESSERA_NATS_USER",
  pass: "TESSERA_NATS_PASS",
  token: "TESSERA_NATS_TOKEN",
  nkeySeed: "TESSERA_NATS_NKEY_SEED",
  credsFile: "TESSERA_NATS_CREDS",
  caFile: "TESSERA_NATS_CA",
  certFile: "TESSERA_NATS_CERT",
  keyFile: "TESSERA_NATS_KEY",
  connectTimeoutMs: "TESSERA_NATS_CONNECT_TIMEOUT_MS",
} as const;

/** A NATS setting's key (the TLS files by their own names). */
export type NatsSettingKey = keyof typeof NATS_ENV;

const tlsKeys = new Set<NatsSettingKey>(["caFile", "certFile", "keyFile"]);

type Env = Readonly<Record<string, string | undefined>>;

/** The value of a setting in a `nats` section (the TLS files under `tls`). */
function fieldOf(section: NatsSettings | undefined, key: NatsSettingKey): string | number | undefined {
  if (section === undefined) return undefined;
  if (tlsKeys.has(key)) return section.tls?.[key as "caFile" | "certFile" | "keyFile"];
  return section[key as Exclude<NatsSettingKey, "caFile" | "certFile" | "keyFile">];
}

/** Where a setting is written in the project file: `nats.credsFile`, `nats.tls.caFile`. */
export function natsField(key: NatsSettingKey): string {
  return tlsKeys.has(key) ? `nats.tls.${key}` : `nats.${key}`;
}

/**
 * Where each NATS setting of a stage comes from: its environment variable, else the stage's
 * `nats` (`nats.credsFile of the stage`), else the project file's (`nats.credsFile`). Unset ones
 * are left out.
 *
 * @example
 * natsSources({ TESSERA_NATS_CREDS: "/run/node.creds" }, undefined, { tls: { caFile: "ca.pem" } })
 * // { credsFile: "TESSERA_NATS_CREDS", caFile: "nats.tls.caFile" }
 */
export function natsSources(
  env: Env,
  stage: NatsSettings | undefined,
  project: NatsSettings | undefined,
): Partial<Record<NatsSettingKey, string>> {
  const out: Partial<Record<NatsSettingKey, string>> = {};
  for (const key of Object.keys(NATS_ENV) as NatsSettingKey[]) {
    const v = env[NATS_ENV[key]];
    if (v !== undefined && v !== "") out[key] = NATS_ENV[key];
    else if (fieldOf(stage, key) !== undefined) out[key] = `${natsField(key)} of the stage`;
    else if (fieldOf(project, key) !== undefined) out[key] = natsField(key);
  }
  return out;
}

function timeoutOf(raw: string | number, from: string): number {
  const v = typeof raw === "number" ? raw : raw.trim() === "" ? Number.NaN : Number(raw);
  if (!(Number.isFinite(v) && v > 0))
    throw new TesseraError("TESSERA_CONFIG", `${from}: "${raw}" is not a number of milliseconds`);
  return v;
}

/**
 * The NATS credentials, TLS files and connect timeout of a stage: each from the environment
 * (`TESSERA_NATS_*`, so that secrets stay out of the project file), else the stage's `nats`, else
 * the project file's `nats`. User and password or a token may also be written in the transport
 * URL. A bad NKey seed or a certificate without its key is `TESSERA_CONFIG` naming the variable or
 * field that set it; the files are checked by the transport before it connects, named by
 * {@link natsSettingNames}.
 *
 * @example
 * resolveNatsSecurity({ TESSERA_NATS_CREDS: "/run/secrets/node.creds" }, undefined, { tls: { caFile: "ca.pem" } })
 * // { credsFile: "/run/secrets/node.creds", tls: { caFile: "ca.pem" } }
 */
export function resolveNatsSecurity(
  env: Env,
  stage: NatsSettings | undefined,
  project: NatsSettings | undefined,
): NatsSettings {
  const from = (name: string) => {
    const v = env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  const out: { -readonly [K in keyof NatsSettings]: NatsSettings[K] } = {};
  const set = <K extends "user" | "pass" | "token" | "nkeySeed" | "credsFile">(key: K) => {
    const v = from(NATS_ENV[key]) ?? stage?.[key] ?? project?.[key];
    if (v !== undefined) out[key] = v;
  };
  for (const key of ["user", "pass", "token", "nkeySeed", "credsFile"] as const) set(key);
  const tls: { caFile?: string; certFile?: string; keyFile?: string } = {};
  for (const key of ["caFile", "certFile", "keyFile"] as const) {
    const v = from(NATS_ENV[key]) ?? stage?.tls?.[key] ?? project?.tls?.[key];
    if (v !== undefined) tls[key] = v;
  }
  if (Object.keys(tls).length > 0) out.tls = tls;
  const sources = natsSources(env, stage, project);
  const timeout = from(NATS_ENV.connectTimeoutMs) ?? stage?.connectTimeoutMs ?? project?.connectTimeoutMs;
  if (timeout !== undefined)
    out.connectTimeoutMs = timeoutOf(timeout, sources.connectTimeoutMs ?? NATS_ENV.connectTimeoutMs);
  checkNatsSecurity(out, natsSettingNames(sources), false);
  return out;
}

/**
 * How a refusal names each security setting: where it came from ({@link natsSources}), and a
 * setting that is not set both ways (e.g. the key a certificate lacks).
 *
 * @example
 * natsSettingNames({ certFile: "TESSERA_NATS_CERT" })("keyFile") // "TESSERA_NATS_KEY or nats.tls.keyFile"
 */
export function natsSettingNames(
  sources: Partial<Record<NatsSettingKey, string>>,
): (key: NatsSecurityKey) => string {
  return (key) => sources[key] ?? `${NATS_ENV[key]} or ${natsField(key)}`;
}
