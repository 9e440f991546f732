import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "@nats-io/transport-node";
import { credsAuthenticator, nkeyAuthenticator } from "@nats-io/transport-node";

/**
 * How a node proves itself to NATS and secures the connection. nats.js v3 ignores credentials
 * written in a server URL, so they are read from the URL here and passed as options (issue 15,
 * item 6); what is set here wins over the URL.
 */
export interface NatsSecurity {
  /** User name (with `pass`); `nats://user:pass@host` sets both. */
  readonly user?: string;
  readonly pass?: string;
  /** Token; `nats://token@host` sets it. */
  readonly token?: string;
  /** NKey seed (`SU…`): the node signs the server's nonce with it. */
  readonly nkeySeed?: string;
  /** Credentials file (`.creds`, a user JWT and its NKey seed), read at connection time. */
  readonly credsFile?: string;
  /** TLS: the CA that signed the servers' certificates, and the client certificate and key when the servers verify clients. */
  readonly tls?: {
    readonly caFile?: string;
    readonly certFile?: string;
    readonly keyFile?: string;
  };
}

/** The URL with its credentials taken out, and those credentials (percent-decoded). */
function split(url: string): { url: string; user?: string; pass?: string; token?: string } {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i.exec(url);
  if (m === null) return { url };
  const bare = `${m[1]}${url.slice(m[0].length)}`;
  const userinfo = m[2]!;
  const colon = userinfo.indexOf(":");
  if (colon < 0) return { url: bare, token: decodeURIComponent(userinfo) };
  return {
    url: bare,
    user: decodeURIComponent(userinfo.slice(0, colon)),
    pass: decodeURIComponent(userinfo.slice(colon + 1)),
  };
}

/**
 * The servers without credentials and the nats.js connection options that carry them: user and
 * password or token (from the URLs or `security`), an NKey or credentials file as authenticator,
 * and TLS files.
 *
 * @example
 * connectionSecurity(["nats://app:s3cret@nats-1:4222"]) // { servers: ["nats://nats-1:4222"], options: { user: "app", pass: "s3cret" } }
 */
export function connectionSecurity(
  servers: readonly string[],
  security: NatsSecurity = {},
): { servers: string[]; options: Partial<ConnectionOptions> } {
  const parts = servers.map(split);
  const fromUrl = parts.find((p) => p.user !== undefined || p.token !== undefined);
  const options: { -readonly [K in keyof ConnectionOptions]?: ConnectionOptions[K] } = {};
  const user = security.user ?? fromUrl?.user;
  const pass = security.pass ?? fromUrl?.pass;
  const token = security.token ?? fromUrl?.token;
  if (user !== undefined) options.user = user;
  if (pass !== undefined) options.pass = pass;
  if (token !== undefined && user === undefined) options.token = token;
  const { nkeySeed, credsFile, tls } = security;
  if (credsFile !== undefined) options.authenticator = credsAuthenticator(() => readFileSync(credsFile));
  else if (nkeySeed !== undefined)
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(nkeySeed));
  if (tls !== undefined) options.tls = { ...tls };
  return { servers: parts.map((p) => p.url), options };
}
