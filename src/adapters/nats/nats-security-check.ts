import { readFileSync } from "node:fs";
import { credsAuthenticator, nkeys } from "@nats-io/transport-node";
import { TesseraError } from "../../core/errors.js";
import type { NatsSecurity } from "./nats-security.js";

/** The settings of {@link NatsSecurity} a check may name. */
export type NatsSecurityKey = "nkeySeed" | "credsFile" | "caFile" | "certFile" | "keyFile";

/** How the transport's own options are named when no other name is given. */
const optionNames: Record<NatsSecurityKey, string> = {
  nkeySeed: "security.nkeySeed",
  credsFile: "security.credsFile",
  caFile: "security.tls.caFile",
  certFile: "security.tls.certFile",
  keyFile: "security.tls.keyFile",
};

function refuse(message: string, cause?: unknown): TesseraError {
  return new TesseraError("TESSERA_CONFIG", message, cause === undefined ? {} : { cause });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function read(path: string, name: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : errorText(err);
    throw refuse(`${name}: cannot read ${path} (${why})`, err);
  }
}

/**
 * Checks the NATS credentials and TLS files before connecting (issue 15 follow-up: a missing or
 * garbage credentials file, a bad NKey seed and a certificate without its key all failed at
 * connection time as "cannot connect to NATS", like a server that is down). Each refusal is
 * `TESSERA_CONFIG` naming the setting (`name(key)`: the environment variable or the project
 * field the value came from) and never prints a seed or a file's content. With `files: false`, only
 * what needs no file (the seed, a certificate and its key given together): a machine that shows a
 * stage's settings may not have the stage's files.
 *
 * @example
 * checkNatsSecurity({ credsFile: "/nonexistent/x.creds" }, (k) => (k === "credsFile" ? "TESSERA_NATS_CREDS" : k));
 * // throws TESSERA_CONFIG "TESSERA_NATS_CREDS: cannot read /nonexistent/x.creds (no such file)"
 */
export function checkNatsSecurity(
  security: NatsSecurity,
  name: (key: NatsSecurityKey) => string = (key) => optionNames[key],
  files = true,
): void {
  const { credsFile, nkeySeed, tls } = security;
  if (credsFile !== undefined && files) {
    const creds = read(credsFile, name("credsFile"));
    try {
      // Parses the user JWT and decodes its seed, as the connection will (a nonce to sign).
      credsAuthenticator(creds)("check");
    } catch (err) {
      throw refuse(
        `${name("credsFile")}: ${credsFile} is not a NATS credentials file (a user JWT and its NKey seed): ${errorText(err)}`,
        err,
      );
    }
  } else if (nkeySeed !== undefined && credsFile === undefined) {
    try {
      nkeys.fromSeed(new TextEncoder().encode(nkeySeed));
    } catch (err) {
      // The seed is a secret: its text is never printed.
      throw refuse(`${name("nkeySeed")}: not an NKey seed (SU… of 58 characters): ${errorText(err)}`, err);
    }
  }
  if (tls === undefined) return;
  if (tls.certFile !== undefined && tls.keyFile === undefined)
    throw refuse(`${name("certFile")} is set without ${name("keyFile")}: a client certificate needs its key`);
  if (tls.keyFile !== undefined && tls.certFile === undefined)
    throw refuse(`${name("keyFile")} is set without ${name("certFile")}: a key needs its client certificate`);
  if (!files) return;
  for (const key of ["caFile", "certFile", "keyFile"] as const) {
    const path = tls[key];
    if (path !== undefined) read(path, name(key));
  }
}
