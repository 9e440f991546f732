import { createRemoteJWKSet, type JWTVerifyGetKey, type JWTVerifyOptions, jwtVerify } from "jose";
import type { Authorizer } from "../../../core/service.js";
import type { JwtAlgorithm } from "./jwt-algorithms.js";
import { explainJoseError, KeySetUnavailable, refuse } from "./jwt-errors.js";
import type { VerificationKey } from "./jwt-keys.js";
import {
  type CheckedJwtOptions,
  checkJwtOptions,
  type JwksOptions,
  type JwtClaims,
  type JwtOptions,
} from "./jwt-options.js";

/** Far above any real token; refuses a megabyte of base64 before any decoding. */
const MAX_TOKEN_LENGTH = 16 * 1024;

interface Compiled {
  readonly key: JWTVerifyGetKey;
  readonly verifyOptions: JWTVerifyOptions;
  readonly toIdentity: CheckedJwtOptions["toIdentity"];
}

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
  const o = checkJwtOptions(options);
  const required = new Set(o.requiredClaims);
  if (o.requireExpiry) required.add("exp");
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [...o.algorithms],
    clockTolerance: o.clockTolerance,
    requiredClaims: [...required],
    ...(o.audience === undefined
      ? {}
      : { audience: o.audience.length === 1 ? o.audience[0]! : [...o.audience] }),
    ...(o.issuer === undefined ? {} : { issuer: o.issuer.length === 1 ? o.issuer[0]! : [...o.issuer] }),
    ...(o.maxAge === undefined ? {} : { maxTokenAge: o.maxAge }),
  };
  const key = "url" in o.key ? remoteKeySet(o.key.url, o.key.fetch) : staticResolver(o.key);
  return { key, verifyOptions, toIdentity: o.toIdentity };
}

function staticResolver(key: VerificationKey): JWTVerifyGetKey {
  // jose calls the resolver only after checking `alg` against the accepted algorithms, and those
  // were checked against the key at start, so `alg` always fits.
  return (header) => key.resolve(header.alg as JwtAlgorithm);
}

function remoteKeySet(url: URL, options: JwksOptions): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url, {
    ...(options.timeoutMs === undefined ? {} : { timeoutDuration: options.timeoutMs }),
    ...(options.cooldownMs === undefined ? {} : { cooldownDuration: options.cooldownMs }),
    ...(options.cacheMaxAgeMs === undefined ? {} : { cacheMaxAge: options.cacheMaxAgeMs }),
    ...(options.headers === undefined ? {} : { headers: { ...options.headers } }),
  });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === "ERR_JWKS_NO_MATCHING_KEY" || code === "ERR_JWKS_MULTIPLE_MATCHING_KEYS") throw err;
      throw new KeySetUnavailable(err); // network failure, timeout, not 200, not a key set
    }
  };
}
