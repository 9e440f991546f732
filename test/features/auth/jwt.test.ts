import { createHmac, generateKeyPairSync, KeyObject } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  base64url,
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
  UnsecuredJWT,
} from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { memoryTransport } from "../../../src/adapters/memory/index.js";
import { TesseraError } from "../../../src/core/errors.js";
import type { Identity } from "../../../src/core/identity.js";
import type { Authorizer, AuthRequest } from "../../../src/core/service.js";
import { jwt } from "../../../src/features/gateway/auth/jwt.js";
import type { JwtOptions } from "../../../src/features/gateway/auth/jwt-options.js";
import { createGateway, createLogger, createNode, entry, service } from "../../../src/index.js";
import { testClient } from "../../../src/testing/index.js";

const request: AuthRequest = { target: "orders.list", method: "GET", path: "/orders", headers: {} };
const SECRET = "a-shared-secret-of-at-least-32-bytes!";
/** Put in every token: a refusal must never show it (nor any part of the token). */
const MARKER = "zz-private-marker-zz";
const now = () => Math.floor(Date.now() / 1000);

type Pair = { publicKey: CryptoKey; privateKey: CryptoKey };
let rsa: Pair;
let rsaOther: Pair;
let ps: Pair;
let ec: Pair;
let ecOther: Pair;
let ec384: Pair;
let ed: Pair;
let rsaPem: string;
let ecPem: string;

beforeAll(async () => {
  [rsa, rsaOther, ps, ec, ecOther, ec384, ed] = await Promise.all([
    generateKeyPair("RS256", { extractable: true }),
    generateKeyPair("RS256", { extractable: true }),
    generateKeyPair("PS256", { extractable: true }),
    generateKeyPair("ES256", { extractable: true }),
    generateKeyPair("ES256", { extractable: true }),
    generateKeyPair("ES384", { extractable: true }),
    generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true }),
  ]);
  rsaPem = await exportSPKI(rsa.publicKey);
  ecPem = await exportSPKI(ec.publicKey);
});

interface SignOptions {
  readonly alg: string;
  readonly kid?: string;
  /** Claims replacing the defaults (`sub`, `marker`, `iat`, `exp` in 10 minutes). */
  readonly claims?: JWTPayload;
  /** Default claims to leave out. */
  readonly omit?: readonly string[];
}

function claimsOf(options: SignOptions): JWTPayload {
  const claims: Record<string, unknown> = { sub: "user-1", marker: MARKER, iat: now(), exp: now() + 600 };
  for (const name of options.omit ?? []) delete claims[name];
  return { ...claims, ...options.claims };
}

function sign(key: CryptoKey | Uint8Array, options: SignOptions): Promise<string> {
  const header = options.kid === undefined ? { alg: options.alg } : { alg: options.alg, kid: options.kid };
  return new SignJWT(claimsOf(options)).setProtectedHeader(header).sign(key);
}

const bytes = (s: string) => new TextEncoder().encode(s);
const b64 = (value: unknown) => base64url.encode(typeof value === "string" ? value : JSON.stringify(value));

/** A token built by hand (for what jose refuses to produce), MACed with HMAC-SHA256 under `secret`. */
function handmade(header: object, payload: string, secret: string | Uint8Array = SECRET): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

async function accepted(auth: Authorizer, token: string): Promise<Identity> {
  const identity = await auth(token, request);
  expect(identity).toMatchObject({ sub: "user-1" });
  return identity as Identity;
}

/** Asserts the refusal, and that it shows nothing of the token. */
async function refused(
  auth: Authorizer,
  token: string,
  message: string,
  reason?: string,
  code = "TESSERA_UNAUTHORIZED",
): Promise<TesseraError> {
  const err = await Promise.resolve()
    .then(() => auth(token, request))
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(TesseraError);
  const e = err as TesseraError;
  expect({ code: e.code, message: e.message }).toEqual({ code, message });
  if (reason !== undefined) expect(e.details).toMatchObject({ reason });
  const shown = JSON.stringify([e.message, e.details]);
  expect(shown).not.toContain(MARKER);
  for (const part of String(token).split(".")) if (part.length >= 8) expect(shown).not.toContain(part);
  return e;
}

function configError(options: unknown): TesseraError {
  try {
    jwt(options as JwtOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe("TESSERA_CONFIG");
    return err as TesseraError;
  }
  throw new Error("jwt() accepted the options");
}

describe("jwt: HMAC secret", () => {
  it("accepts a token signed with the secret; its claims are the identity", async () => {
    const auth = jwt({ secret: SECRET });
    const claims = { sub: "user-1", roles: ["admin"], org: { id: 7 } };
    const token = await sign(bytes(SECRET), { alg: "HS256", claims });
    const identity = await accepted(auth, token);
    expect(identity).toEqual({ ...claimsOf({ alg: "HS256", claims }), iat: identity.iat, exp: identity.exp });
    expect(identity).toMatchObject({ roles: ["admin"], org: { id: 7 }, marker: MARKER });
  });

  it("accepts a Uint8Array secret, and copies it", async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const token = await sign(secret.slice(), { alg: "HS256" });
    const auth = jwt({ secret });
    secret.fill(0);
    await accepted(auth, token);
  });

  it("refuses a token signed with another secret, or whose payload was changed", async () => {
    const auth = jwt({ secret: SECRET });
    const other = await sign(bytes(`${SECRET}-other`), { alg: "HS256" });
    await refused(auth, other, "token signature invalid", "signature");
    const [header, , signature] = (await sign(bytes(SECRET), { alg: "HS256" })).split(".");
    const forged = `${header}.${b64(claimsOf({ alg: "HS256", claims: { sub: "admin" } }))}.${signature}`;
    await refused(auth, forged, "token signature invalid", "signature");
  });

  it("accepts only the configured HMAC algorithms (HS256 by default)", async () => {
    const long = "x".repeat(64);
    const hs512 = await sign(bytes(long), { alg: "HS512" });
    await refused(jwt({ secret: long }), hs512, "token algorithm not allowed", "algorithm");
    await accepted(jwt({ secret: long, algorithms: ["HS512"] }), hs512);
  });
});

describe("jwt: public keys", () => {
  it("RS256 with a PEM (SPKI) key, a KeyObject, a CryptoKey and a JWK", async () => {
    const token = await sign(rsa.privateKey, { alg: "RS256" });
    for (const publicKey of [
      rsaPem,
      KeyObject.from(rsa.publicKey),
      rsa.publicKey,
      await exportJWK(rsa.publicKey),
    ])
      await accepted(jwt({ publicKey }), token);
    await refused(
      jwt({ publicKey: rsaPem }),
      await sign(rsaOther.privateKey, { alg: "RS256" }),
      "token signature invalid",
    );
  });

  it("an RSA key accepts RS256 only unless told otherwise", async () => {
    const pem = await exportSPKI(ps.publicKey);
    const token = await sign(ps.privateKey, { alg: "PS256" });
    await refused(jwt({ publicKey: pem }), token, "token algorithm not allowed", "algorithm");
    await accepted(jwt({ publicKey: pem, algorithms: ["RS256", "PS256"] }), token);
  });

  it("ES256 with a PEM key, a CryptoKey and a JWK; ES384 follows the curve", async () => {
    const token = await sign(ec.privateKey, { alg: "ES256" });
    for (const publicKey of [ecPem, ec.publicKey, await exportJWK(ec.publicKey)])
      await accepted(jwt({ publicKey }), token);
    await refused(
      jwt({ publicKey: ecPem }),
      await sign(ecOther.privateKey, { alg: "ES256" }),
      "token signature invalid",
    );
    const auth384 = jwt({ publicKey: await exportSPKI(ec384.publicKey) });
    await accepted(auth384, await sign(ec384.privateKey, { alg: "ES384" }));
    await refused(auth384, token, "token algorithm not allowed");
  });

  it("takes the public key of a PEM X.509 certificate", async () => {
    // A self-signed P-256 certificate (its private key was not kept): the key it holds fits ES256 only.
    const certificate = `-----BEGIN CERTIFICATE-----
MIIBhjCCASugAwIBAgIUPjD0EUVVBkQZwEEG1iZJEIZ7WI0wCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMdGVzc2VyYS10ZXN0MCAXDTI2MTEyNDA4MjM0MFoYDzIxMjYx
MDMxMDgyMzQwWjAXMRUwEwYDVQQDDAx0ZXNzZXJhLXRlc3QwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAATQx0WY6g2P5PyAZemEPJJbp4twcNqw1a8hozhcl+dfv9s5
AlUkW7mFyVuZSTalPE1lySTkvKgW6XdKpe//x+Kvo1MwUTAdBgNVHQ4EFgQUdGIC
HYbJ6RmP+nvrUs33J55y/TswHwYDVR0jBBgwFoAUdGICHYbJ6RmP+nvrUs33J55y
/TswDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA8paFNlx9Qc40
ihG2ZHmVNC3ANyAct1GABv8YWkr/FGYCIQCTha+aHLnieY+o/yN5+6GCmZVGujMa
h8s6KFeW8brPkQ==
-----END CERTIFICATE-----`;
    expect(() => jwt({ publicKey: certificate })).not.toThrow();
    expect(configError({ publicKey: certificate, algorithms: ["RS256"] }).message).toContain(
      "algorithms RS256 do not fit an EC P-256 key (it fits ES256)",
    );
    await refused(
      jwt({ publicKey: certificate }),
      await sign(ec.privateKey, { alg: "ES256" }),
      "token signature invalid",
    );
  });

  it("EdDSA with an Ed25519 key", async () => {
    await accepted(jwt({ publicKey: ed.publicKey }), await sign(ed.privateKey, { alg: "EdDSA" }));
  });

  it("a key of one kind refuses tokens of another kind", async () => {
    await refused(
      jwt({ publicKey: ecPem }),
      await sign(rsa.privateKey, { alg: "RS256" }),
      "token algorithm not allowed",
    );
    await refused(
      jwt({ publicKey: rsaPem }),
      await sign(ec.privateKey, { alg: "ES256" }),
      "token algorithm not allowed",
    );
  });
});

describe("jwt: refused tokens", () => {
  it('refuses "alg: none", whatever its spelling and whatever the key', async () => {
    const unsigned = new UnsecuredJWT(claimsOf({ alg: "none" })).encode();
    expect(unsigned.endsWith(".")).toBe(true);
    for (const auth of [
      jwt({ secret: SECRET }),
      jwt({ publicKey: rsaPem }),
      jwt({ publicKey: ec.publicKey }),
    ])
      await refused(auth, unsigned, "token algorithm not allowed", "algorithm");
    const payload = JSON.stringify(claimsOf({ alg: "none" }));
    for (const alg of ["None", "NONE", "nOnE"]) {
      await refused(
        jwt({ secret: SECRET }),
        `${b64({ alg })}.${b64(payload)}.`,
        "token algorithm not allowed",
      );
      await refused(jwt({ secret: SECRET }), handmade({ alg }, payload), "token algorithm not allowed");
    }
  });

  it("refuses an HS256 token MACed with the RSA public key (algorithm confusion)", async () => {
    const forged = handmade({ alg: "HS256", typ: "JWT" }, JSON.stringify(claimsOf({ alg: "HS256" })), rsaPem);
    // The forgery is a real one: a verifier that takes the PEM text as an HMAC secret accepts it.
    await expect(jwtVerify(forged, bytes(rsaPem))).resolves.toBeDefined();
    for (const publicKey of [rsaPem, rsa.publicKey, await exportJWK(rsa.publicKey)])
      await refused(jwt({ publicKey }), forged, "token algorithm not allowed", "algorithm");
  });

  it("refuses an expired token, with a small clock tolerance", async () => {
    const auth = jwt({ secret: SECRET });
    const expired = await sign(bytes(SECRET), { alg: "HS256", claims: { exp: now() - 60 } });
    await refused(auth, expired, "token expired", "expired");
    const justExpired = await sign(bytes(SECRET), { alg: "HS256", claims: { exp: now() - 2 } });
    await accepted(auth, justExpired); // within the default 5 s
    await refused(jwt({ secret: SECRET, clockTolerance: 0 }), justExpired, "token expired");
    await accepted(jwt({ secret: SECRET, clockTolerance: 120 }), expired);
  });

  it("refuses a token used before its nbf", async () => {
    const auth = jwt({ secret: SECRET });
    await refused(
      auth,
      await sign(bytes(SECRET), { alg: "HS256", claims: { nbf: now() + 60 } }),
      "token not yet valid",
      "not_yet_valid",
    );
    await accepted(auth, await sign(bytes(SECRET), { alg: "HS256", claims: { nbf: now() + 2 } }));
  });

  it("requires exp unless requireExpiry is false", async () => {
    const forever = await sign(bytes(SECRET), { alg: "HS256", omit: ["exp"] });
    const err = await refused(jwt({ secret: SECRET }), forever, 'token missing claim "exp"', "missing_claim");
    expect(err.details).toEqual({ reason: "missing_claim", claim: "exp" });
    await accepted(jwt({ secret: SECRET, requireExpiry: false }), forever);
  });

  it("refuses a non-numeric exp", async () => {
    const token = await sign(bytes(SECRET), { alg: "HS256", claims: { exp: "tomorrow" as never } });
    await refused(jwt({ secret: SECRET }), token, 'token claim "exp" invalid', "invalid_claim");
  });

  it("checks the audience when configured (one of a list, in a string or a list)", async () => {
    const auth = jwt({ secret: SECRET, audience: "orders-api" });
    const to = (aud: string | string[]) => sign(bytes(SECRET), { alg: "HS256", claims: { aud } });
    await refused(auth, await to("billing-api"), "token audience mismatch", "audience");
    await refused(
      auth,
      await sign(bytes(SECRET), { alg: "HS256" }),
      'token missing claim "aud"',
      "missing_claim",
    );
    await accepted(auth, await to(["billing-api", "orders-api"]));
    await accepted(jwt({ secret: SECRET, audience: ["a", "orders-api"] }), await to("orders-api"));
    await accepted(jwt({ secret: SECRET }), await to("anything")); // not configured: not checked
  });

  it("checks the issuer when configured", async () => {
    const auth = jwt({ secret: SECRET, issuer: ["https://auth.example.com", "https://auth2.example.com"] });
    const from = (iss: string) => sign(bytes(SECRET), { alg: "HS256", claims: { iss } });
    await refused(auth, await from("https://evil.example.com"), "token issuer mismatch", "issuer");
    await refused(auth, await sign(bytes(SECRET), { alg: "HS256" }), 'token missing claim "iss"');
    await accepted(auth, await from("https://auth2.example.com"));
  });

  it("requires the requiredClaims", async () => {
    const auth = jwt({ secret: SECRET, requiredClaims: ["tenant"] });
    await refused(
      auth,
      await sign(bytes(SECRET), { alg: "HS256" }),
      'token missing claim "tenant"',
      "missing_claim",
    );
    await accepted(auth, await sign(bytes(SECRET), { alg: "HS256", claims: { tenant: "acme" } }));
  });

  it("checks the age from iat when maxAge is set", async () => {
    const auth = jwt({ secret: SECRET, maxAge: 60 });
    await refused(
      auth,
      await sign(bytes(SECRET), { alg: "HS256", claims: { iat: now() - 3600 } }),
      "token too old",
      "too_old",
    );
    await refused(
      auth,
      await sign(bytes(SECRET), { alg: "HS256", claims: { iat: now() + 3600 } }),
      "token issued in the future",
    );
    await refused(
      auth,
      await sign(bytes(SECRET), { alg: "HS256", omit: ["iat"] }),
      'token missing claim "iat"',
    );
    await accepted(auth, await sign(bytes(SECRET), { alg: "HS256" }));
  });

  it("refuses malformed tokens", async () => {
    const auth = jwt({ secret: SECRET });
    const good = await sign(bytes(SECRET), { alg: "HS256" });
    const claims = JSON.stringify(claimsOf({ alg: "HS256" }));
    const malformed = [
      "",
      "abc",
      "a.b",
      "a.b.c",
      `${good}.x.y`,
      `${good.slice(0, 20)}!!${good.slice(22)}`,
      `${b64("not json")}.${b64(claims)}.sig`,
      handmade({ alg: "HS256" }, "[1,2,3]"), // correctly MACed, but the claims are not an object
      handmade({ alg: "HS256" }, "not json"),
      `${good}${"A".repeat(20_000)}`,
    ];
    for (const token of malformed) await refused(auth, token, "token malformed", "malformed");
    await refused(auth, 42 as unknown as string, "token malformed");
  });

  it("refuses a critical header extension it does not understand", async () => {
    const token = handmade(
      { alg: "HS256", crit: ["x-bind"], "x-bind": 1 },
      JSON.stringify(claimsOf({ alg: "HS256" })),
    );
    await refused(jwt({ secret: SECRET }), token, "token uses an unsupported feature", "unsupported");
    // The same token without `crit` is valid, so the refusal is about `crit` alone.
    await accepted(
      jwt({ secret: SECRET }),
      handmade({ alg: "HS256" }, JSON.stringify(claimsOf({ alg: "HS256" }))),
    );
  });
});

describe("jwt: toIdentity", () => {
  it("maps the verified claims and sees the request; false passes through", async () => {
    const calls: unknown[] = [];
    const auth = jwt({
      secret: SECRET,
      toIdentity: (claims, req) => {
        calls.push(req.target);
        return claims.sub === "user-1" ? { sub: `u:${claims.sub}`, admin: claims.roles === "admin" } : false;
      },
    });
    const token = await sign(bytes(SECRET), { alg: "HS256", claims: { roles: "admin" } });
    expect(await auth(token, request)).toEqual({ sub: "u:user-1", admin: true });
    expect(await auth(await sign(bytes(SECRET), { alg: "HS256", claims: { sub: "other" } }), request)).toBe(
      false,
    );
    expect(calls).toEqual(["orders.list", "orders.list"]);
    await refused(auth, await sign(bytes(`${SECRET}-other`), { alg: "HS256" }), "token signature invalid");
    expect(calls).toHaveLength(2); // never called for a token that failed verification
  });
});

describe("jwt: options are checked at creation", () => {
  const problem = (options: unknown, text: string) => expect(configError(options).message).toContain(text);

  it("needs exactly one key", () => {
    problem({}, "no key: give one of secret (HS256), publicKey (RS256, ES256…) or jwksUrl");
    problem(
      { secret: SECRET, jwksUrl: "https://a.example/jwks" },
      "give only one of secret, publicKey and jwksUrl (got secret and jwksUrl)",
    );
    problem({ secret: SECRET, publicKey: rsaPem }, "got secret and publicKey");
    problem({ secret: SECRET, jwks: { cooldownMs: 0 } }, "jwks options need a jwksUrl");
    problem(null, "options must be an object");
  });

  it("refuses short secrets (per algorithm) and PEM text as a secret", () => {
    problem({ secret: "x".repeat(31) }, "secret is 31 bytes: HS256 needs at least 32");
    problem({ secret: new Uint8Array(16) }, "secret is 16 bytes: HS256 needs at least 32");
    problem({ secret: "x".repeat(32), algorithms: ["HS512"] }, "secret is 32 bytes: HS512 needs at least 64");
    expect(() => jwt({ secret: "x".repeat(32) })).not.toThrow();
    problem({ secret: rsaPem }, "secret looks like a PEM key: give a public key as `publicKey`");
    problem({ secret: 42 }, "secret must be a string or a Uint8Array");
  });

  it("refuses algorithms that do not fit the key, none, and unknown names", () => {
    problem({ publicKey: rsaPem, algorithms: ["RS256", "HS256"] }, "algorithms HS256 do not fit an RSA key");
    problem(
      { publicKey: ecPem, algorithms: ["ES384"] },
      "algorithms ES384 do not fit an EC P-256 key (it fits ES256)",
    );
    problem({ secret: SECRET, algorithms: ["RS256"] }, "algorithms RS256 do not fit an HMAC secret");
    problem(
      { jwksUrl: "https://a.example/jwks", algorithms: ["HS256"] },
      "algorithms HS256 do not fit a JSON Web Key Set",
    );
    problem({ secret: SECRET, algorithms: ["none"] }, 'algorithm "none" is never accepted');
    problem({ secret: SECRET, algorithms: ["HS256", "XX999"] }, 'unknown algorithms "XX999"');
    problem({ secret: SECRET, algorithms: [] }, "algorithms must be a non-empty list");
  });

  it("refuses private, secret, weak and unreadable public keys", async () => {
    const pkcs8 = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
      type: "pkcs8",
      format: "pem",
    });
    problem({ publicKey: pkcs8 }, "publicKey is a private key");
    problem({ publicKey: await exportJWK(ec.privateKey) }, "publicKey is a private JWK");
    problem({ publicKey: ec.privateKey }, "publicKey is a private key");
    problem({ publicKey: KeyObject.from(rsa.privateKey) }, "publicKey is a private key");
    problem({ publicKey: { kty: "oct", k: "c2VjcmV0" } }, "publicKey is a symmetric JWK");
    const weak = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey;
    problem({ publicKey: weak }, "publicKey is a 1024-bit RSA key: at least 2048 bits are required");
    problem({ publicKey: weak.export({ type: "spki", format: "pem" }) }, "1024-bit RSA key");
    const k1 = generateKeyPairSync("ec", { namedCurve: "secp256k1" }).publicKey;
    problem({ publicKey: k1 }, "publicKey is an EC key on an unsupported curve");
    // Kinds node cannot export as a JWK: refused like any other kind, not with node's own error.
    const pss = generateKeyPairSync("rsa-pss", { modulusLength: 2048 }).publicKey;
    problem(
      { publicKey: pss },
      "publicKey is a rsa-pss key: use an RSA, EC (P-256, P-384, P-521) or Ed25519 key",
    );
    problem({ publicKey: pss.export({ type: "spki", format: "pem" }) }, "publicKey is a rsa-pss key");
    problem({ publicKey: "not a key" }, "publicKey must be a PEM public key");
    problem(
      { publicKey: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----" },
      "not a readable PEM public key",
    );
    problem(
      { publicKey: { ...(await exportJWK(rsa.publicKey)), alg: "ES256" } },
      'JWK whose "alg" does not fit an RSA key',
    );
  });

  it("a JWK that names its algorithm is bound to it", async () => {
    const jwk: JWK = { ...(await exportJWK(rsa.publicKey)), alg: "RS256" };
    problem(
      { publicKey: jwk, algorithms: ["PS256"] },
      "algorithms PS256 do not fit an RSA key (it fits RS256)",
    );
    await accepted(jwt({ publicKey: jwk }), await sign(rsa.privateKey, { alg: "RS256" }));
  });

  it("checks the claim options and lists every problem at once", () => {
    const err = configError({
      secret: "short",
      audience: "",
      issuer: [],
      clockTolerance: -1,
      maxAge: Number.NaN,
      requiredClaims: [1],
      requireExpiry: "yes",
      toIdentity: "no",
      audiance: "typo",
    });
    expect((err.details as { problems: string[] }).problems).toEqual([
      'unknown option "audiance"',
      "secret is 5 bytes: HS256 needs at least 32 (e.g. crypto.randomBytes(32))",
      "audience must be a non-empty string or a list of non-empty strings",
      "issuer must be a non-empty string or a list of non-empty strings",
      "requiredClaims must be a non-empty string or a list of non-empty strings",
      "clockTolerance must be a number of seconds, 0 or more",
      "maxAge must be a number of seconds, 0 or more",
      "requireExpiry must be a boolean",
      "toIdentity must be a function",
    ]);
  });

  it("checks the key set URL and its options", () => {
    problem({ jwksUrl: "not a url" }, "jwksUrl is not a valid URL");
    problem({ jwksUrl: "ftp://a.example/jwks" }, "jwksUrl must be an https: URL");
    problem(
      { jwksUrl: "http://auth.example.com/jwks" },
      "plain http: is allowed on loopback, or with jwks.allowHttp",
    );
    expect(() => jwt({ jwksUrl: "http://auth.example.com/jwks", jwks: { allowHttp: true } })).not.toThrow();
    expect(() => jwt({ jwksUrl: "http://localhost:1/jwks" })).not.toThrow();
    problem(
      { jwksUrl: "https://a.example/jwks", jwks: { cooldownMs: -1 } },
      "jwks.cooldownMs must be a whole number",
    );
    problem({ jwksUrl: "https://a.example/jwks", jwks: { ttl: 1 } }, 'unknown option "jwks.ttl"');
    // fetch would take a list of pairs, but the headers were spread into an object ("0": "a,b").
    problem(
      { jwksUrl: "https://a.example/jwks", jwks: { headers: [["x-api-key", "k"]] } },
      "jwks.headers must be an object of header names to values",
    );
  });

  it("lists the problems of each key given, and refuses a list as the options", () => {
    expect(
      (configError({ secret: "x".repeat(32), publicKey: "not a key" }).details as { problems: string[] })
        .problems,
    ).toEqual([
      "give only one of secret, publicKey and jwksUrl (got secret and publicKey)",
      "publicKey must be a PEM public key (-----BEGIN PUBLIC KEY-----), a KeyObject, a CryptoKey or a JWK",
    ]);
    problem([], "options must be an object with one of secret, publicKey or jwksUrl");
  });

  it("the types refuse two keys, or none", () => {
    // @ts-expect-error a secret and a key set at once
    expect(() => jwt({ secret: SECRET, jwksUrl: "https://a.example/jwks" })).toThrow(TesseraError);
    // @ts-expect-error no key
    expect(() => jwt({ audience: "x" })).toThrow(TesseraError);
    // @ts-expect-error "none" is not an algorithm
    expect(() => jwt({ secret: SECRET, algorithms: ["none"] })).toThrow(TesseraError);
  });
});

/** Key sets served on 127.0.0.1, one per path, each with its own answer and request count. */
interface KeySetEndpoint {
  readonly url: string;
  keys: JWK[];
  status: number;
  raw?: string;
  hits: number;
  lastHeaders?: IncomingHttpHeaders;
}

describe("jwt: JSON Web Key Set", () => {
  let server: Server;
  let base: string;
  const endpoints = new Map<string, KeySetEndpoint>();
  let rsaJwk: JWK;
  let rsaOtherJwk: JWK;
  let ecJwk: JWK;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const endpoint = endpoints.get(req.url ?? "");
      if (endpoint === undefined) {
        res.writeHead(404).end();
        return;
      }
      endpoint.hits++;
      endpoint.lastHeaders = req.headers;
      res.writeHead(endpoint.status, { "content-type": "application/json" });
      res.end(endpoint.raw ?? JSON.stringify({ keys: endpoint.keys }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    [rsaJwk, rsaOtherJwk, ecJwk] = await Promise.all([
      exportJWK(rsa.publicKey),
      exportJWK(rsaOther.publicKey),
      exportJWK(ec.publicKey),
    ]);
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  function endpoint(keys: JWK[]): KeySetEndpoint {
    const path = `/jwks/${endpoints.size}`;
    const e: KeySetEndpoint = { url: `${base}${path}`, keys, status: 200, hits: 0 };
    endpoints.set(path, e);
    return e;
  }

  it("selects the key by kid among RSA and EC keys, and caches the set", async () => {
    const set = endpoint([
      { ...rsaJwk, kid: "r1" },
      { ...ecJwk, kid: "e1" },
    ]);
    const auth = jwt({ jwksUrl: set.url, audience: "orders-api" });
    const claims = { aud: "orders-api" };
    expect(set.hits).toBe(0); // nothing fetched before the first token
    const identity = await accepted(auth, await sign(rsa.privateKey, { alg: "RS256", kid: "r1", claims }));
    expect(identity.aud).toBe("orders-api");
    await accepted(auth, await sign(ec.privateKey, { alg: "ES256", kid: "e1", claims }));
    await accepted(auth, await sign(rsa.privateKey, { alg: "RS256", kid: "r1", claims }));
    expect(set.hits).toBe(1);
    await refused(
      auth,
      await sign(rsaOther.privateKey, { alg: "RS256", kid: "r1", claims }),
      "token signature invalid",
    );
    await refused(auth, await sign(rsa.privateKey, { alg: "RS256", kid: "r1" }), 'token missing claim "aud"');
  });

  it("accepts a URL object and sends the configured headers", async () => {
    const set = endpoint([{ ...rsaJwk, kid: "r1" }]);
    const auth = jwt({ jwksUrl: new URL(set.url), jwks: { headers: { "x-api-key": "k-123" } } });
    await accepted(auth, await sign(rsa.privateKey, { alg: "RS256", kid: "r1" }));
    expect(set.lastHeaders?.["x-api-key"]).toBe("k-123");
  });

  it("an unknown kid is refused; it refetches only after the cooldown", async () => {
    const set = endpoint([{ ...rsaJwk, kid: "r1" }]);
    vi.useFakeTimers({ toFake: ["Date"] });
    const auth = jwt({ jwksUrl: set.url });
    await accepted(auth, await sign(rsa.privateKey, { alg: "RS256", kid: "r1" }));
    set.keys = [{ ...rsaOtherJwk, kid: "r2" }]; // the issuer rotates its key
    const rotated = await sign(rsaOther.privateKey, { alg: "RS256", kid: "r2" });
    await refused(auth, rotated, "token key not found", "key");
    await refused(auth, await sign(rsa.privateKey, { alg: "RS256", kid: "made-up" }), "token key not found");
    expect(set.hits).toBe(1); // made-up kids cannot make it hammer the key server
    vi.setSystemTime(Date.now() + 31_000); // past the default 30 s cooldown
    await accepted(auth, rotated);
    expect(set.hits).toBe(2);
  });

  it("key rotation: an unknown kid refetches the set (no cooldown)", async () => {
    const set = endpoint([{ ...rsaJwk, kid: "r1" }]);
    const auth = jwt({ jwksUrl: set.url, jwks: { cooldownMs: 0 } });
    const old = await sign(rsa.privateKey, { alg: "RS256", kid: "r1" });
    await accepted(auth, old);
    set.keys = [{ ...rsaOtherJwk, kid: "r2" }];
    await accepted(auth, await sign(rsaOther.privateKey, { alg: "RS256", kid: "r2" }));
    expect(set.hits).toBe(2);
    await refused(auth, old, "token key not found", "key"); // the retired key is gone
    expect(set.hits).toBe(3);
    await refused(auth, await sign(rsa.privateKey, { alg: "RS256", kid: "nope" }), "token key not found");
  });

  it("a kid whose key is of another kind is not a match", async () => {
    const set = endpoint([{ ...rsaJwk, kid: "k1" }]);
    const auth = jwt({ jwksUrl: set.url });
    await refused(auth, await sign(ec.privateKey, { alg: "ES256", kid: "k1" }), "token key not found", "key");
  });

  it("without kid, tries each key that fits (several during a rotation)", async () => {
    const set = endpoint([rsaJwk, rsaOtherJwk]);
    const auth = jwt({ jwksUrl: set.url });
    await accepted(auth, await sign(rsaOther.privateKey, { alg: "RS256" }));
    await accepted(auth, await sign(rsa.privateKey, { alg: "RS256" }));
    const stranger = (await generateKeyPair("RS256")).privateKey;
    await refused(auth, await sign(stranger, { alg: "RS256" }), "token signature invalid", "signature");
    await refused(
      auth,
      await sign(rsaOther.privateKey, { alg: "RS256", claims: { exp: now() - 60 } }),
      "token expired",
    );
  });

  it('refuses "alg: none", HMAC tokens and algorithms outside the list', async () => {
    const set = endpoint([{ ...rsaJwk, kid: "r1" }]);
    const auth = jwt({ jwksUrl: set.url });
    await refused(auth, new UnsecuredJWT(claimsOf({ alg: "none" })).encode(), "token algorithm not allowed");
    const confused = handmade(
      { alg: "HS256", kid: "r1" },
      JSON.stringify(claimsOf({ alg: "HS256" })),
      JSON.stringify(rsaJwk),
    );
    await refused(auth, confused, "token algorithm not allowed", "algorithm");
    const es = jwt({ jwksUrl: set.url, algorithms: ["ES256"] });
    await refused(es, await sign(rsa.privateKey, { alg: "RS256", kid: "r1" }), "token algorithm not allowed");
  });

  it("a key set that cannot be fetched → TESSERA_UNAVAILABLE, and it recovers", async () => {
    const set = endpoint([{ ...rsaJwk, kid: "r1" }]);
    const token = await sign(rsa.privateKey, { alg: "RS256", kid: "r1" });
    set.status = 500;
    const auth = jwt({ jwksUrl: set.url });
    const err = await refused(auth, token, "token keys unavailable", undefined, "TESSERA_UNAVAILABLE");
    expect(err.retryable).toBe(true);
    set.status = 200;
    set.raw = "<html>not json</html>";
    await refused(auth, token, "token keys unavailable", undefined, "TESSERA_UNAVAILABLE");
    delete set.raw;
    await accepted(auth, token);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = jwt({ jwksUrl: `http://127.0.0.1:${port}/jwks` });
    await refused(unreachable, token, "token keys unavailable", undefined, "TESSERA_UNAVAILABLE");
  });
});

describe("jwt: through the gateway", () => {
  it("the claims become ctx.identity and travel with nested calls", async () => {
    const seen: unknown[] = [];
    const inner = service("inner", {
      entries: {
        whoami: entry((_input, ctx) => {
          seen.push(ctx.identity);
          return { sub: ctx.identity?.sub };
        }),
      },
    });
    const orders = service("orders", {
      authorize: jwt({ secret: SECRET, audience: "orders-api" }),
      entries: { getMe: entry((_input, ctx) => ctx.call(inner.entries.whoami)) },
    });
    const logger = createLogger({ level: "error", write: () => {} });
    const node = createNode({ services: [orders, inner], transport: memoryTransport(), logger });
    const client = testClient(createGateway(node));
    const token = await sign(bytes(SECRET), { alg: "HS256", claims: { aud: "orders-api", tenant: "acme" } });

    const ok = await client.get("/orders/me", { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ sub: "user-1" });
    expect(seen).toEqual([expect.objectContaining({ sub: "user-1", tenant: "acme", aud: "orders-api" })]);

    const expired = await sign(bytes(SECRET), {
      alg: "HS256",
      claims: { aud: "orders-api", exp: now() - 60 },
    });
    const res = await client.get("/orders/me", { headers: { authorization: `Bearer ${expired}` } });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: "TESSERA_UNAUTHORIZED", message: "token expired" } });
    expect(res.text).not.toContain(expired.split(".")[1]);
    expect(seen).toHaveLength(1);
  });
});
