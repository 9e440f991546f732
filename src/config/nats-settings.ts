import type { NatsSecurity } from "../adapters/nats/nats-security.js";

/** The environment variables of the NATS security settings, by setting. */
export const NATS_ENV = {
  user: "TESSERA_NATS_USER",
  pass: "TESSERA_NATS_PASS",
  token: "TESSERA_NATS_TOKEN",
  nkeySeed: "TESSERA_NATS_NKEY_SEED",
  credsFile: "TESSERA_NATS_CREDS",
  caFile: "TESSERA_NATS_CA",
  certFile: "TESSERA_NATS_CERT",
  keyFile: "TESSERA_NATS_KEY",
} as const;

/**
 * The NATS credentials and TLS files of a stage: each from the environment (`TESSERA_NATS_*`, so
 * that secrets stay out of the project file), else the stage's `nats`, else the project file's
 * `nats`. User and password or a token may also be written in the transport URL.
 *
 * @example
 * resolveNatsSecurity({ TESSERA_NATS_CREDS: "/run/secrets/node.creds" }, undefined, { tls: { caFile: "ca.pem" } })
 * // { credsFile: "/run/secrets/node.creds", tls: { caFile: "ca.pem" } }
 */
export function resolveNatsSecurity(
  env: Readonly<Record<string, string | undefined>>,
  stage: NatsSecurity | undefined,
  project: NatsSecurity | undefined,
): NatsSecurity {
  const from = (name: string) => {
    const v = env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  const out: { -readonly [K in keyof NatsSecurity]: NatsSecurity[K] } = {};
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
  return out;
}
