import type { JWTPayload } from "jose";
import * as z from "zod";
import { TesseraError } from "../../../core/errors.js";
import type { Identity } from "../../../core/identity.js";
import type { AuthRequest } from "../../../core/service.js";
import { isJwtAlgorithm, type JwtAlgorithm, jwtAlgorithms, minSecretBytes } from "./jwt-algorithms.js";
import { type JwtPublicKey, keySetFit, publicKeyOf, secretKeyOf, type VerificationKey } from "./jwt-keys.js";

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

const DEFAULT_CLOCK_TOLERANCE = 5;
const loopback = new Set(["localhost", "127.0.0.1", "[::1]"]);
const keyOptions = ["secret", "publicKey", "jwksUrl"] as const;

/** The message of an object schema's own type issue; its other issues keep zod's. */
const notAnObject = (message: string) => (issue: { readonly code?: string }) =>
  issue.code === "invalid_type" ? message : undefined;

/** A key option, normalised by jwt-keys.ts; the problem it finds is the option's issue. */
function keyOption(normalise: (value: unknown) => VerificationKey | string) {
  return z
    .unknown()
    .transform((value, ctx): VerificationKey | undefined => {
      if (value === undefined) return undefined;
      const key = normalise(value);
      if (typeof key !== "string") return key;
      ctx.addIssue({ code: "custom", message: key });
      return z.NEVER;
    })
    .optional();
}

function seconds(name: string) {
  const error = `${name} must be a number of seconds, 0 or more`;
  return z.number({ error }).min(0, { error });
}

function milliseconds(name: string) {
  const error = `${name} must be a whole number of milliseconds, 0 or more`;
  return z.number({ error }).int({ error }).min(0, { error }).optional();
}

/** One string or a list of them, as a list. */
function stringList(name: string, min: 0 | 1) {
  const error = `${name} must be a non-empty string or a list of non-empty strings`;
  const text = z.string({ error }).min(1, { error });
  return z.union([text.transform((t) => [t]), z.array(text, { error }).min(min, { error })], { error });
}

const jwksUrl = z
  .union([z.string(), z.instanceof(URL)], { error: "jwksUrl is not a valid URL" })
  .transform((value, ctx) => {
    try {
      return new URL(value instanceof URL ? value.href : value);
    } catch {
      ctx.addIssue({ code: "custom", message: "jwksUrl is not a valid URL" });
      return z.NEVER;
    }
  })
  .optional();

const jwks = z
  .strictObject(
    {
      timeoutMs: milliseconds("jwks.timeoutMs"),
      cooldownMs: milliseconds("jwks.cooldownMs"),
      cacheMaxAgeMs: milliseconds("jwks.cacheMaxAgeMs"),
      headers: z
        .record(z.string(), z.unknown(), {
          error: "jwks.headers must be an object of header names to values",
        })
        .optional(),
      allowHttp: z.boolean({ error: "jwks.allowHttp must be a boolean" }).optional(),
    },
    { error: notAnObject("jwks must be an object") },
  )
  .optional();

/** The names given are checked here; "none" gets its own answer, since it is asked for on purpose. */
const algorithms = z
  .array(z.unknown(), { error: "algorithms must be a non-empty list" })
  .min(1, { error: "algorithms must be a non-empty list" })
  .superRefine((list, ctx) => {
    const bad = list.filter((a) => !isJwtAlgorithm(a));
    const isNone = (a: unknown) => typeof a === "string" && a.toLowerCase() === "none";
    if (bad.some(isNone)) ctx.addIssue('algorithm "none" is never accepted: tokens must be signed');
    const unknown = bad.filter((a) => !isNone(a));
    if (unknown.length > 0)
      ctx.addIssue(
        `unknown algorithms ${unknown.map((a) => JSON.stringify(a)).join(", ")} (known: ${jwtAlgorithms.join(", ")})`,
      );
  })
  .transform((list) => list as JwtAlgorithm[])
  .optional();

const shape = {
  secret: keyOption(secretKeyOf),
  publicKey: keyOption(publicKeyOf),
  jwksUrl,
  jwks,
  algorithms,
  audience: stringList("audience", 1).optional(),
  issuer: stringList("issuer", 1).optional(),
  requiredClaims: stringList("requiredClaims", 0).default([]),
  clockTolerance: seconds("clockTolerance").default(DEFAULT_CLOCK_TOLERANCE),
  maxAge: seconds("maxAge").optional(),
  requireExpiry: z.boolean({ error: "requireExpiry must be a boolean" }).default(true),
  // Not aborting, so that the checks across options still run when it is wrong.
  toIdentity: z
    .custom<NonNullable<JwtCheckOptions["toIdentity"]>>((v) => typeof v === "function", {
      error: "toIdentity must be a function",
      abort: false,
    })
    .optional(),
};
type Checked = z.output<z.ZodObject<typeof shape>>;
/** Problems are listed unknown names first, then in the order of the options here. */
const optionOrder: readonly PropertyKey[] = Object.keys(shape);

/** Keys fetched over plain HTTP can be swapped in transit: https only, unless loopback or allowed. */
function keySetUrlProblem({ protocol, hostname }: URL, allowHttp: boolean): string | undefined {
  if (protocol !== "https:" && protocol !== "http:") return "jwksUrl must be an https: URL";
  if (protocol === "http:" && !loopback.has(hostname) && !allowHttp)
    return "jwksUrl must be an https: URL (plain http: is allowed on loopback, or with jwks.allowHttp)";
  return undefined;
}

/**
 * What no single option can check: exactly one key, `jwks` only with `jwksUrl`, a key set over
 * https (plain http on loopback, or when allowed), and algorithms that fit the key (algorithm
 * confusion is refused twice: here, a configuration that accepts an algorithm the key was not made
 * for; at run time, jose refuses a token whose `alg` is not in the list) with a secret long enough
 * for each of them.
 */
function checkAcross(o: Checked, ctx: z.RefinementCtx<Checked>): void {
  const given = keyOptions.filter((k) => o[k] !== undefined);
  if (given.length !== 1) {
    ctx.addIssue(
      given.length === 0
        ? "no key: give one of secret (HS256), publicKey (RS256, ES256…) or jwksUrl"
        : `give only one of secret, publicKey and jwksUrl (got ${given.join(" and ")})`,
    );
    return;
  }
  const failed = new Set(ctx.issues.map((issue) => issue.path?.[0]));
  if (o.jwks !== undefined && o.jwksUrl === undefined)
    ctx.addIssue({ code: "custom", message: "jwks options need a jwksUrl", path: ["jwks"] });
  const name = given[0]!;
  if (failed.has(name)) return;
  if (o.jwksUrl !== undefined) {
    if (failed.has("jwks")) return;
    const problem = keySetUrlProblem(o.jwksUrl, o.jwks?.allowHttp === true);
    if (problem !== undefined) {
      ctx.addIssue({ code: "custom", message: problem, path: ["jwksUrl"] });
      return;
    }
  }
  if (failed.has("algorithms")) return;
  const key = o.secret ?? o.publicKey ?? keySetFit;
  const list = o.algorithms ?? key.defaults;
  const misfits = list.filter((a) => !key.fits.includes(a));
  if (misfits.length > 0) {
    ctx.addIssue({
      code: "custom",
      message: `algorithms ${misfits.join(", ")} do not fit ${key.label} (it fits ${key.fits.join(", ")})`,
      path: ["algorithms"],
    });
  }
  const bytes = key.secretBytes;
  const short = bytes === undefined ? undefined : list.find((alg) => bytes < minSecretBytes(alg));
  if (short !== undefined) {
    const min = minSecretBytes(short);
    ctx.addIssue({
      code: "custom",
      message: `secret is ${bytes} bytes: ${short} needs at least ${min} (e.g. crypto.randomBytes(${min}))`,
      path: ["algorithms"],
    });
  }
}

const jwtOptionsSchema = z
  .strictObject(shape, {
    error: notAnObject("options must be an object with one of secret, publicKey or jwksUrl"),
  })
  .superRefine(checkAcross, {
    // Also when other options are wrong, so that every problem is listed at once.
    when: (payload) => !payload.issues.some((i) => (i.path?.length ?? 0) === 0 && i.code === "invalid_type"),
  })
  .transform(({ secret, publicKey, jwksUrl, jwks, algorithms, ...checks }) => {
    const key = secret ?? publicKey;
    return {
      ...checks,
      key: key ?? { url: jwksUrl!, fetch: (jwks ?? {}) as JwksOptions },
      algorithms: algorithms ?? (key ?? keySetFit).defaults,
    };
  });

/**
 * {@link JwtOptions} checked and normalised: the verification key (or where to fetch the key set),
 * the accepted algorithms, the claim checks with their defaults.
 *
 * @example
 * const { key, algorithms } = checkJwtOptions({ secret: process.env.JWT_SECRET! });
 */
export type CheckedJwtOptions = z.output<typeof jwtOptionsSchema>;

function rank(issue: z.core.$ZodIssue): [number, number] {
  const option = issue.path.length === 0 ? -1 : optionOrder.indexOf(issue.path[0]!);
  return [option, issue.code === "unrecognized_keys" ? 0 : 1];
}

function problemsOf(issues: readonly z.core.$ZodIssue[]): string[] {
  const sorted = [...issues].sort((x, y) => {
    const [a, b] = [rank(x), rank(y)];
    return a[0] - b[0] || a[1] - b[1];
  });
  const problems = sorted.flatMap((issue) => {
    if (issue.code !== "unrecognized_keys") return [issue.message];
    const prefix = issue.path.map((p) => `${String(p)}.`).join("");
    return issue.keys.map((k) => `unknown option "${prefix}${k}"`);
  });
  // A list with several bad items says so once.
  return [...new Set(problems)];
}

/**
 * Checks the options of `jwt()` against their schema. Throws `TESSERA_CONFIG` listing every problem
 * (also in `details.problems`), unknown option names first.
 *
 * @example
 * checkJwtOptions({ secret: "short" }); // throws: invalid jwt options: secret is 5 bytes: HS256 needs at least 32 …
 */
export function checkJwtOptions(options: unknown): CheckedJwtOptions {
  const result = jwtOptionsSchema.safeParse(options);
  if (result.success) return result.data;
  const problems = problemsOf(result.error.issues);
  throw new TesseraError("TESSERA_CONFIG", `invalid jwt options: ${problems.join("; ")}`, {
    details: { problems },
  });
}
