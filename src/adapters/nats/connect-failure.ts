import { errors } from "@nats-io/transport-node";
import { brokerFailure } from "../../core/broker-failure.js";
import type { TesseraError } from "../../core/errors.js";
import { maskUrl } from "../../core/mask-url.js";

/** What the transport knows of the attempt, to explain its failure. */
export interface ConnectAttempt {
  /** The server URLs as configured (masked here). */
  readonly servers: readonly string[];
  /** The bound of the attempt (nats.js `timeout`). */
  readonly timeoutMs: number;
  /** True when the connection uses TLS (a `tls://` URL or TLS files). */
  readonly tls: boolean;
  /** True when the node presents a client certificate. */
  readonly clientCertificate: boolean;
  /** Secrets that must never be printed (password, token, seed), whatever the driver says. */
  readonly secrets: readonly string[];
}

/** Node's codes for a server certificate it cannot trust. */
const untrusted = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
]);

function chain(err: unknown): Error[] {
  const out: Error[] = [];
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) out.push(e);
  return out;
}

/** The reason in a few words, and what likely happened. */
function explain(cause: unknown, attempt: ConnectAttempt): string {
  const errs = chain(cause);
  const first = errs[0];
  if (first === undefined) return String(cause);
  const text = errs.map((e) => e.message).filter((m, i, all) => m !== "" && all.indexOf(m) === i);
  const said = text.join(": ");
  const code = errs.map((e) => (e as NodeJS.ErrnoException).code).find((c) => typeof c === "string");
  if (first instanceof errors.AuthorizationError || /authorization violation/i.test(said))
    return `${said} (the server refused the credentials: check the user and password, token, NKey seed or credentials file)`;
  if (first instanceof errors.TimeoutError)
    return attempt.tls && !attempt.clientCertificate
      ? `no answer within ${attempt.timeoutMs} ms over TLS: the server likely verifies client certificates (mutual TLS) and the node gives none (set tls.certFile and tls.keyFile; TESSERA_NATS_CERT and TESSERA_NATS_KEY); else check the address and the firewall`
      : `no answer within ${attempt.timeoutMs} ms (a firewall that drops packets, a server that does not answer, or a TLS handshake the server does not finish)`;
  if (code !== undefined && untrusted.has(code))
    return `TLS: ${said} (the server's certificate is not signed by a CA the node trusts: set tls.caFile, TESSERA_NATS_CA)`;
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID")
    return `TLS: ${said} (the certificate is for another host name)`;
  if (code === "CERT_HAS_EXPIRED") return `TLS: ${said}`;
  if (/connection refused|ECONNREFUSED/.test(said))
    return `${said} (is a server running and listening there?)`;
  return said;
}

/** `text` with every secret replaced by `***`. */
function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 3) out = out.split(s).join("***");
  return out;
}

/**
 * The failure of a first connection, with its cause on the one line a CLI prints (issue 15
 * follow-up: a wrong password, a bad credentials file, a CA the node lacks and a server that is
 * down all said only "cannot connect to NATS at …"; the reason showed only under --verbose, and
 * mutual TLS without a client certificate waited 22 s for "TimeoutError: timeout"). The URLs are
 * masked and known secrets never printed. Still a broker failure (`TESSERA_UNAVAILABLE`).
 *
 * @example
 * connectFailure(err, { servers: ["nats://app:pw@h:4222"], timeoutMs: 5000, tls: false, clientCertificate: false, secrets: ["pw"] })
 * // "cannot connect to NATS at nats://app:***@h:4222: Authorization Violation (the server refused the credentials: …)"
 */
export function connectFailure(cause: unknown, attempt: ConnectAttempt): TesseraError {
  const where = maskUrl(attempt.servers.join(", "));
  const why = maskUrl(redact(explain(cause, attempt), attempt.secrets));
  return brokerFailure(`cannot connect to NATS at ${where}: ${why}`, cause);
}
