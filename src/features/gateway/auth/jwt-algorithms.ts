/**
 * The JWS algorithms `jwt()` accepts. `none` is deliberately absent: an unsigned token is never
 * accepted, whatever the options say.
 *
 * @example
 * jwt({ publicKey: pem, algorithms: ["RS256", "PS256"] satisfies JwtAlgorithm[] })
 */
export const jwtAlgorithms = [
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;

/**
 * One of {@link jwtAlgorithms}.
 *
 * @example
 * const algorithms: JwtAlgorithm[] = ["ES256"];
 */
export type JwtAlgorithm = (typeof jwtAlgorithms)[number];

const known: ReadonlySet<string> = new Set(jwtAlgorithms);

export function isJwtAlgorithm(value: unknown): value is JwtAlgorithm {
  return typeof value === "string" && known.has(value);
}

export const hmacAlgorithms: readonly JwtAlgorithm[] = ["HS256", "HS384", "HS512"];
export const rsaAlgorithms: readonly JwtAlgorithm[] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];
/** Everything that a public key from a key set can verify (HMAC needs a shared secret). */
export const asymmetricAlgorithms: readonly JwtAlgorithm[] = jwtAlgorithms.filter((a) => !a.startsWith("HS"));

/** An ECDSA algorithm is bound to one curve (RFC 7518 §3.4). */
export const ecAlgorithmOfCurve: Readonly<Record<string, JwtAlgorithm>> = {
  "P-256": "ES256",
  "P-384": "ES384",
  "P-521": "ES512",
};

/** Minimum HMAC secret length in bytes: the size of the hash output (RFC 7518 §3.2). */
export function minSecretBytes(alg: JwtAlgorithm): number {
  return alg === "HS512" ? 64 : alg === "HS384" ? 48 : 32;
}
