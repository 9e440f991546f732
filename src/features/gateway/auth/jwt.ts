import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
} from "jose";
import { TesseraError } from "../../../core/errors.js";
import type { Identity } from "../../../core/identity.js";
import type { Authorizer, AuthRequest } from "../../../core/service.js";
import {
  asymmetricAlgorithms,
  isJwtAlgorithm,
  type JwtAlgorithm,
  jwtAlgorithms,
  minSecretBytes,
} from "./jwt-algorithms.js";
import { explainJoseError, KeySetUnavailable, refuse } from "./jwt-errors.js";
import { type JwtPublicKey, publicKeyOf, secretKeyOf, type VerificationKey } from "./jwt-keys.js";

/**
 * The claims of a verified token (`sub`, `iss`, `aud`, `exp`… and any custom claim).
 *
 * @example
 * const toIdentity = (claims: JwtClaims) => ({ sub: claims.sub, roles: claims.roles });
 */
export type JwtClaims = JWTPayload;

/**
 * How a key set is fetched from `jwksUrl`. The set is cached; a token whose `kid` is not in it
 * triggers one refetch, at most once per `cooldownMs`, so that rotated keys are picked up while
 * made-up `kid`s cannot flood the key server.
 *
 * @example
 * jwt({ jwksUrl: "https://auth.example.com/.well-known/jwks.json", jwks: { cacheMaxAgeMs: 300_000 } })
 */
export interface JwksOptions {
  /** Timeout of one fetch (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Minimum time between two refetches caused by an unknown `kid` (default 30 000 ms). */
  readonly cooldownMs?: number;
  /** Age after which the cached set is refetched before use (default 600 000 ms). */
  readonly cacheMaxAgeMs?: number;
  /** Extra request headers (e.g. an API key of the key server). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Allow a plain `http:` URL on a host other than loopback (default false: keys fetched over plain HTTP can be swapped in transit). */
  readonly allowHttp?: boolean;
}

/**
 * What every kind of key shares: the claim checks and the identity mapping.
 *
 * @example
 * const checks: JwtCheckOptions = { audience: "orders-api", issuer: "https://auth.example.com" };
 */
export interface JwtCheckOptions {
  /** Accepted audiences: the token's `aud` must contain one of them. */
  readonly audience?: string | readonly string[];
  /** Accepted issuers: the token's `iss` must be one of them. */
  readonly issuer?: string | readonly string[];
  /** Accepted algorithms; default from the key: HS256 for a secret, RS256 for RSA, ES256/384/512 for EC by curve, EdDSA for Ed25519, `["RS256", "ES256"]` for a key set. */
  readonly algorithms?: readonly JwtAlgorithm[];
  /** Allowed clock skew in seconds for `exp`, `nbf` and `iat` (default 5). */
  readonly clockTolerance?: number;
  /** Largest accepted age in seconds, measured from `iat` (which then becomes required). */
  readonly maxAge?: number;
  /** Claims that must be present (on top of `exp`, and `aud`/`iss` when those are checked). */
  readonly requiredClaims?: readonly string[];
  /** Refuse tokens without `exp` (default true: a token without expiry is valid forever). */
  readonly requireExpiry?: boolean;
  /**
   * Maps the verified claims to the identity handlers see as `ctx.identity` (default: the claims
   * themselves). Return `false` to refuse with `TESSERA_FORBIDDEN`, or throw a TesseraError.
   */
  readonly toIdentity?: (
    claims: JwtClaims,
    request: AuthRequest,
  ) => Identity | boolean | Promise<Identity | boolean>;
}

/**
 * Where the verification key comes from: exactly one of `secret`, `publicKey` and `jwksUrl`.
 *
 * @example
 * const keys: JwtKeyOptions = { jwksUrl: new URL("https://auth.example.com/.well-known/jwks.json") };
 */
export type JwtKeyOptions =
  | {
      /** HMAC secret (HS256/384/512), at least as long as the hash: 32 bytes for HS256. A string is UTF-8. */
      readonly secret: string | Uint8Array;
      readonly publicKey?: never;
      readonly jwksUrl?: never;
      readonly jwks?: never;
    }
  | {
      /** Public key (RSA, EC or Ed25519): a PEM string, a KeyObject, a CryptoKey or a JWK. */
      readonly publicKey: JwtPublicKey;
      readonly secret?: never;
      readonly jwksUrl?: never;
      readonly jwks?: never;
    }
  | {
      /** URL of a JSON Web Key Set; the token's `kid` selects the key. */
      readonly jwksUrl: string | URL;
      readonly jwks?: JwksOptions;
      readonly secret?: never;
      readonly publicKey?: never;
    };

/**
 * Options of {@link jwt}.
 *
 * @example
 * const options: JwtOptions = { secret: process.env.JWT_SECRET!, audience: "orders-api" };
 */
export type JwtOptions = JwtCheckOptions & JwtKeyOptions;

interface Compiled {
  readonly key: JWTVerifyGetKey;
  readonly verifyOptions: JWTVerifyOptions;
  readonly toIdentity: JwtCheckOptions["toIdentity"];
}

const knownOptions = new Set([
  "secret",
  "publicKey",
  "jwksUrl",
  "jwks",
  "audience",
  "issuer",
  "algorithms",
  "clockTolerance",
  "maxAge",
  "requiredClaims",
  "requireExpiry",
  "toIdentity",
]);
const knownJwksOptions = new Set(["timeoutMs", "cooldownMs", "cacheMaxAgeMs", "headers", "allowHttp"]);
const loopback = new Set(["localhost", "127.0.0.1", "[::1]"]);
/** Far above any real token; refuses a megabyte of base64 before any decoding. */
const MAX_TOKEN_LENGTH = 16 * 1024;
const DEFAULT_CLOCK_TOLERANCE = 5;

/**
 * The built-in JWT authorizer. It verifies the bearer token's signature with an HMAC secret, a
 * public key or a remote key set, checks `exp`/`nbf` (with a small clock tolerance), `aud` and
 * `iss` when configured, and returns the claims, which become `ctx.identity` and travel with
 * nested calls. Unsigned (`alg: none`) tokens and algorithms that do not fit the key are refused.
 * Every refusal is `TESSERA_UNAUTHORIZED` with a message that names the failed check ("token
 * expired", "token audience mismatch"…) and `details.reason`; it never echoes the token.
 * Invalid options are refused here, at start, with `TESSERA_CONFIG` listing every problem.
 *
 * @example
 * export const orders = service("orders", {
 *   authorize: jwt({ jwksUrl: "https://auth.example.com/.well-known/jwks.json", audience: "orders-api" }),
 *   entries: { list: entry({}, (_, ctx) => listOrdersOf(ctx.identity?.sub)) },
 * });
 */
export function jwt(options: JwtOptions): Authorizer {
  const { key, verifyOptions, toIdentity } = compile(options);
  return async (token, request) => {
    if (typeof token !== "string" || token.length === 0 || token.length > MAX_TOKEN_LENGTH)
      throw refuse("token malformed", "malformed");
    let claims: JwtClaims;
    try {
      claims = await verify(token, key, verifyOptions);
    } catch (err) {
      throw explainJoseError(err);
    }
    return toIdentity === undefined ? claims : toIdentity(claims, request);
  };
}

async function verify(token: string, key: JWTVerifyGetKey, options: JWTVerifyOptions): Promise<JwtClaims> {
  try {
    return (await jwtVerify(token, key, options)).payload;
  } catch (err) {
    // A key set may hold several keys that fit a token without `kid` (e.g. during a rotation):
    // jose hands them over and leaves the choice to us. The first whose signature matches wins.
    if ((err as { code?: unknown }).code !== "ERR_JWKS_MULTIPLE_MATCHING_KEYS") throw err;
    for await (const candidate of err as AsyncIterable<Awaited<ReturnType<JWTVerifyGetKey>>>) {
      try {
        return (await jwtVerify(token, candidate, options)).payload;
      } catch (inner) {
        if ((inner as { code?: unknown }).code !== "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") throw inner;
      }
    }
    throw refuse("token signature invalid", "signature");
  }
}

function compile(options: JwtOptions): Compiled {
  const problems: string[] = [];
  if (options === null || typeof options !== "object")
    throw configError(["options must be an object with one of secret, publicKey or jwksUrl"]);
  const raw = options as unknown as Readonly<Record<string, unknown>>;
  for (const name of Object.keys(raw)) if (!knownOptions.has(name)) problems.push(`unknown option "${name}"`);

  const source = keySource(raw, problems);
  const algorithms = algorithmsOf(raw.algorithms, source, problems);
  const audience = stringList("audience", raw.audience, problems);
  const issuer = stringList("issuer", raw.issuer, problems);
  const requiredClaims = stringList("requiredClaims", raw.requiredClaims, problems, true) ?? [];
  const clockTolerance = seconds("clockTolerance", raw.clockTolerance, problems) ?? DEFAULT_CLOCK_TOLERANCE;
  const maxAge = seconds("maxAge", raw.maxAge, problems);
  if (raw.requireExpiry !== undefined && typeof raw.requireExpiry !== "boolean")
    problems.push("requireExpiry must be a boolean");
  if (raw.toIdentity !== undefined && typeof raw.toIdentity !== "function")
    problems.push("toIdentity must be a function");
  if (problems.length > 0 || source === undefined || algorithms === undefined) throw configError(problems);

  const required = new Set(requiredClaims);
  if (raw.requireExpiry !== false) required.add("exp");
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [...algorithms],
    clockTolerance,
    requiredClaims: [...required],
    ...(audience === undefined ? {} : { audience: audience.length === 1 ? audience[0]! : [...audience] }),
    ...(issuer === undefined ? {} : { issuer: issuer.length === 1 ? issuer[0]! : [...issuer] }),
    ...(maxAge === undefined ? {} : { maxTokenAge: maxAge }),
  };
  return { key: source.key, verifyOptions, toIdentity: options.toIdentity };
}

interface KeySource {
  readonly key: JWTVerifyGetKey;
  readonly fits: readonly JwtAlgorithm[];
  readonly defaults: readonly JwtAlgorithm[];
  readonly label: string;
  readonly secretBytes?: number;
}

function keySource(raw: Readonly<Record<string, unknown>>, problems: string[]): KeySource | undefined {
  const given = (["secret", "publicKey", "jwksUrl"] as const).filter((k) => raw[k] !== undefined);
  if (given.length === 0) {
    problems.push("no key: give one of secret (HS256), publicKey (RS256, ES256…) or jwksUrl");
    return undefined;
  }
  if (given.length > 1) {
    problems.push(`give only one of secret, publicKey and jwksUrl (got ${given.join(" and ")})`);
    return undefined;
  }
  if (raw.jwks !== undefined && raw.jwksUrl === undefined) problems.push("jwks options need a jwksUrl");
  if (raw.jwksUrl !== undefined) return remoteKeySet(raw.jwksUrl, raw.jwks, problems);
  const key = raw.secret !== undefined ? secretKeyOf(raw.secret) : publicKeyOf(raw.publicKey);
  if (typeof key === "string") {
    problems.push(key);
    return undefined;
  }
  return { ...key, key: staticResolver(key) };
}

function staticResolver(key: VerificationKey): JWTVerifyGetKey {
  // jose calls the resolver only after checking `alg` against the accepted algorithms, and those
  // were checked against the key at start, so `alg` always fits.
  return (header) => key.resolve(header.alg as JwtAlgorithm);
}

function remoteKeySet(url: unknown, jwks: unknown, problems: string[]): KeySource | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url instanceof URL ? url.href : String(url));
  } catch {
    problems.push("jwksUrl is not a valid URL");
    return undefined;
  }
  const fetchOptions = jwksOptionsOf(jwks, problems);
  if (fetchOptions === undefined) return undefined;
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    problems.push("jwksUrl must be an https: URL");
    return undefined;
  }
  if (parsed.protocol === "http:" && !loopback.has(parsed.hostname) && fetchOptions.allowHttp !== true) {
    problems.push(
      "jwksUrl must be an https: URL (plain http: is allowed on loopback, or with jwks.allowHttp)",
    );
    return undefined;
  }
  const remote = createRemoteJWKSet(parsed, {
    ...(fetchOptions.timeoutMs === undefined ? {} : { timeoutDuration: fetchOptions.timeoutMs }),
    ...(fetchOptions.cooldownMs === undefined ? {} : { cooldownDuration: fetchOptions.cooldownMs }),
    ...(fetchOptions.cacheMaxAgeMs === undefined ? {} : { cacheMaxAge: fetchOptions.cacheMaxAgeMs }),
    ...(fetchOptions.headers === undefined ? {} : { headers: { ...fetchOptions.headers } }),
  });
  const key: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === "ERR_JWKS_NO_MATCHING_KEY" || code === "ERR_JWKS_MULTIPLE_MATCHING_KEYS") throw err;
      throw new KeySetUnavailable(err); // network failure, timeout, not 200, not a key set
    }
  };
  return { key, fits: asymmetricAlgorithms, defaults: ["RS256", "ES256"], label: "a JSON Web Key Set" };
}

function jwksOptionsOf(value: unknown, problems: string[]): JwksOptions | undefined {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object") {
    problems.push("jwks must be an object");
    return undefined;
  }
  const o = value as Record<string, unknown>;
  const before = problems.length;
  for (const name of Object.keys(o))
    if (!knownJwksOptions.has(name)) problems.push(`unknown option "jwks.${name}"`);
  for (const name of ["timeoutMs", "cooldownMs", "cacheMaxAgeMs"]) {
    const v = o[name];
    if (v !== undefined && !(typeof v === "number" && Number.isInteger(v) && v >= 0))
      problems.push(`jwks.${name} must be a whole number of milliseconds, 0 or more`);
  }
  if (o.headers !== undefined && (o.headers === null || typeof o.headers !== "object"))
    problems.push("jwks.headers must be an object of header names to values");
  if (o.allowHttp !== undefined && typeof o.allowHttp !== "boolean")
    problems.push("jwks.allowHttp must be a boolean");
  return problems.length === before ? (o as JwksOptions) : undefined;
}

function algorithmsOf(
  value: unknown,
  source: KeySource | undefined,
  problems: string[],
): readonly JwtAlgorithm[] | undefined {
  let algorithms: readonly JwtAlgorithm[];
  if (value === undefined) {
    if (source === undefined) return undefined;
    algorithms = source.defaults;
  } else {
    if (!Array.isArray(value) || value.length === 0) {
      problems.push("algorithms must be a non-empty list");
      return undefined;
    }
    const bad = value.filter((a) => !isJwtAlgorithm(a));
    if (bad.some((a) => typeof a === "string" && a.toLowerCase() === "none"))
      problems.push('algorithm "none" is never accepted: tokens must be signed');
    const unknown = bad.filter((a) => !(typeof a === "string" && a.toLowerCase() === "none"));
    if (unknown.length > 0)
      problems.push(
        `unknown algorithms ${unknown.map((a) => JSON.stringify(a)).join(", ")} (known: ${jwtAlgorithms.join(", ")})`,
      );
    if (bad.length > 0 || source === undefined) return undefined;
    algorithms = value as JwtAlgorithm[];
  }
  // Algorithm confusion is refused twice: here, a configuration that accepts an algorithm the key
  // was not made for; at run time, jose refuses a token whose `alg` is not in this list.
  const misfits = algorithms.filter((a) => !source.fits.includes(a));
  if (misfits.length > 0)
    problems.push(
      `algorithms ${misfits.join(", ")} do not fit ${source.label} (it fits ${source.fits.join(", ")})`,
    );
  if (source.secretBytes !== undefined) {
    for (const alg of algorithms) {
      const min = minSecretBytes(alg);
      if (source.secretBytes < min) {
        problems.push(
          `secret is ${source.secretBytes} bytes: ${alg} needs at least ${min} (e.g. crypto.randomBytes(${min}))`,
        );
        break;
      }
    }
  }
  return misfits.length > 0 ? undefined : algorithms;
}

function stringList(
  name: string,
  value: unknown,
  problems: string[],
  allowEmpty = false,
): readonly string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === "string" ? [value] : value;
  if (
    !Array.isArray(list) ||
    (!allowEmpty && list.length === 0) ||
    list.some((v) => typeof v !== "string" || v.length === 0)
  ) {
    problems.push(`${name} must be a non-empty string or a list of non-empty strings`);
    return undefined;
  }
  return list as string[];
}

function seconds(name: string, value: unknown, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    problems.push(`${name} must be a number of seconds, 0 or more`);
    return undefined;
  }
  return value;
}

function configError(problems: readonly string[]): TesseraError {
  return new TesseraError("TESSERA_CONFIG", `invalid jwt options: ${problems.join("; ")}`, {
    details: { problems },
  });
}
