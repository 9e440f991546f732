import { createPublicKey, type JsonWebKey, KeyObject, webcrypto } from "node:crypto";
import { importJWK, type JWK } from "jose";
import {
  asymmetricAlgorithms,
  ecAlgorithmOfCurve,
  hmacAlgorithms,
  isJwtAlgorithm,
  type JwtAlgorithm,
  rsaAlgorithms,
} from "./jwt-algorithms.js";

type CryptoKey = webcrypto.CryptoKey;

/**
 * A public key `jwt()` verifies with: a PEM string (SPKI `-----BEGIN PUBLIC KEY-----`, PKCS#1 or an
 * X.509 certificate), a node `KeyObject`, a Web Crypto `CryptoKey` or a JWK. Private keys are refused.
 *
 * @example
 * const key: JwtPublicKey = readFileSync("keys/auth.pub.pem", "utf8");
 */
export type JwtPublicKey = string | KeyObject | CryptoKey | JWK;

/**
 * A configured key, normalised: which algorithms it can verify and how to get the Web Crypto key
 * of one of them (imported once per algorithm, then reused).
 *
 * @example
 * const key = publicKeyOf(pem); // a string when the key is unusable
 * if (typeof key !== "string") await key.resolve("RS256");
 */
export interface VerificationKey extends KeyFit {
  resolve(alg: JwtAlgorithm): Promise<CryptoKey>;
}

/**
 * Which algorithms a key (or a key set) can verify, to check the configured ones against.
 *
 * @example
 * const misfits = algorithms.filter((a) => !keySetFit.fits.includes(a));
 */
export interface KeyFit {
  /** For messages: "an HMAC secret", "an RSA key", "an EC P-256 key"… */
  readonly label: string;
  /** Every algorithm this key can verify; anything else is algorithm confusion. */
  readonly fits: readonly JwtAlgorithm[];
  /** The algorithms accepted when the options name none. */
  readonly defaults: readonly JwtAlgorithm[];
  /** Length of an HMAC secret in bytes. */
  readonly secretBytes?: number;
}

/** A JSON Web Key Set holds public keys: any asymmetric algorithm, RS256 and ES256 by default. */
export const keySetFit: KeyFit = {
  label: "a JSON Web Key Set",
  fits: asymmetricAlgorithms,
  defaults: ["RS256", "ES256"],
};

const MIN_RSA_BITS = 2048;
const nodeCurves: Readonly<Record<string, string>> = {
  prime256v1: "P-256",
  secp384r1: "P-384",
  secp521r1: "P-521",
};

function perAlgorithm(load: (alg: JwtAlgorithm) => Promise<CryptoKey>): VerificationKey["resolve"] {
  const cache = new Map<JwtAlgorithm, Promise<CryptoKey>>();
  return (alg) => {
    let key = cache.get(alg);
    if (key === undefined) {
      key = load(alg);
      cache.set(alg, key);
      key.catch(() => cache.delete(alg));
    }
    return key;
  };
}

/**
 * Normalises an HMAC secret (a string is taken as UTF-8). Returns a problem message when the
 * secret is not one; its length is checked against the algorithms later.
 *
 * @example
 * const key = secretKeyOf(process.env.JWT_SECRET ?? "");
 */
export function secretKeyOf(secret: unknown): VerificationKey | string {
  let bytes: Uint8Array;
  if (typeof secret === "string") {
    // The classic confusion: the verifier is handed the RSA public key as an HMAC secret, so a
    // token "signed" with that public key passes. A PEM text is never a secret.
    if (/-----BEGIN [A-Z0-9 ]+-----/.test(secret))
      return "secret looks like a PEM key: give a public key as `publicKey`, never as `secret`";
    bytes = new TextEncoder().encode(secret);
  } else if (secret instanceof Uint8Array) {
    bytes = new Uint8Array(secret); // a copy: later changes to the caller's buffer change nothing
  } else {
    return "secret must be a string or a Uint8Array";
  }
  return {
    label: "an HMAC secret",
    fits: hmacAlgorithms,
    defaults: ["HS256"],
    secretBytes: bytes.byteLength,
    resolve: perAlgorithm((alg) =>
      webcrypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: `SHA-${alg.slice(2)}` }, false, [
        "verify",
      ]),
    ),
  };
}

function isCryptoKey(value: unknown): value is CryptoKey {
  return (value as { [Symbol.toStringTag]?: unknown } | null)?.[Symbol.toStringTag] === "CryptoKey";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const notAKey =
  "publicKey must be a PEM public key (-----BEGIN PUBLIC KEY-----), a KeyObject, a CryptoKey or a JWK";

/**
 * Normalises a public key given in any of the forms of {@link JwtPublicKey}. Returns a problem
 * message when the key is private, secret, too weak or of an unsupported kind.
 *
 * @example
 * const key = publicKeyOf({ kty: "EC", crv: "P-256", x: "…", y: "…" }); // fits ES256 only
 */
export function publicKeyOf(input: unknown): VerificationKey | string {
  if (typeof input === "string") return fromPem(input);
  if (input instanceof KeyObject) return fromKeyObject(input);
  if (isCryptoKey(input)) return fromCryptoKey(input);
  if (isPlainObject(input)) return fromJwk(input);
  return notAKey;
}

function fromPem(pem: string): VerificationKey | string {
  if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(pem))
    return "publicKey is a private key: give the public key (SPKI PEM) to the verifier";
  if (!pem.trimStart().startsWith("-----BEGIN ")) return notAKey;
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch {
    return "publicKey is not a readable PEM public key";
  }
  return fromKeyObject(key);
}

function fromJwk(jwk: Record<string, unknown>): VerificationKey | string {
  if ("d" in jwk || "priv" in jwk) return "publicKey is a private JWK: give the public part only";
  if (jwk.kty === "oct") return "publicKey is a symmetric JWK: give an HMAC secret as `secret`";
  if (jwk.use !== undefined && jwk.use !== "sig") return 'publicKey is a JWK whose "use" is not "sig"';
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as JsonWebKey, format: "jwk" });
  } catch {
    return "publicKey is not a readable JWK";
  }
  const normalised = fromKeyObject(key);
  if (typeof normalised === "string" || jwk.alg === undefined) return normalised;
  // A JWK that names its algorithm is bound to it.
  if (!isJwtAlgorithm(jwk.alg) || !normalised.fits.includes(jwk.alg))
    return `publicKey is a JWK whose "alg" does not fit ${normalised.label}`;
  return { ...normalised, fits: [jwk.alg], defaults: [jwk.alg] };
}

function fromKeyObject(key: KeyObject): VerificationKey | string {
  if (key.type === "secret") return "publicKey is a secret key: give an HMAC secret as `secret`";
  if (key.type === "private") return "publicKey is a private key: give the public key to the verifier";
  const fit = fitOfPublicKey(key);
  if (typeof fit === "string") return fit;
  // Exported once the kind is known: node cannot export every kind (DSA, DH, RSA-PSS) as a JWK.
  const jwk = key.export({ format: "jwk" }) as JWK;
  return { ...fit, resolve: perAlgorithm((alg) => importJWK(jwk, alg) as Promise<CryptoKey>) };
}

function fitOfPublicKey(key: KeyObject): KeyFit | string {
  switch (key.asymmetricKeyType) {
    case "rsa": {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < MIN_RSA_BITS)
        return `publicKey is a ${bits}-bit RSA key: at least ${MIN_RSA_BITS} bits are required`;
      return { label: "an RSA key", fits: rsaAlgorithms, defaults: ["RS256"] };
    }
    case "ec": {
      const curve = nodeCurves[key.asymmetricKeyDetails?.namedCurve ?? ""];
      const alg = curve === undefined ? undefined : ecAlgorithmOfCurve[curve];
      if (alg === undefined)
        return "publicKey is an EC key on an unsupported curve (use P-256, P-384 or P-521)";
      return { label: `an EC ${curve} key`, fits: [alg], defaults: [alg] };
    }
    case "ed25519":
      return { label: "an Ed25519 key", fits: ["EdDSA"], defaults: ["EdDSA"] };
    default:
      return `publicKey is a ${key.asymmetricKeyType ?? "unknown"} key: use an RSA, EC (P-256, P-384, P-521) or Ed25519 key`;
  }
}

/** A CryptoKey is bound to one algorithm (and hash, and curve) by Web Crypto: that one it fits. */
function fromCryptoKey(key: CryptoKey): VerificationKey | string {
  if (key.type !== "public")
    return key.type === "secret"
      ? "publicKey is a secret CryptoKey: give an HMAC secret as `secret`"
      : "publicKey is a private key: give the public key to the verifier";
  if (!key.usages.includes("verify")) return 'publicKey is a CryptoKey whose usages lack "verify"';
  const algorithm = key.algorithm as {
    name: string;
    hash?: { name: string };
    namedCurve?: string;
    modulusLength?: number;
  };
  const bits = algorithm.hash?.name.replace("SHA-", "") ?? "";
  let alg: JwtAlgorithm | undefined;
  let label = "an RSA key";
  switch (algorithm.name) {
    case "RSASSA-PKCS1-v1_5":
    case "RSA-PSS": {
      const candidate = `${algorithm.name === "RSA-PSS" ? "PS" : "RS"}${bits}`;
      alg = isJwtAlgorithm(candidate) ? candidate : undefined;
      if ((algorithm.modulusLength ?? 0) < MIN_RSA_BITS)
        return `publicKey is a ${algorithm.modulusLength}-bit RSA key: at least ${MIN_RSA_BITS} bits are required`;
      break;
    }
    case "ECDSA":
      alg = ecAlgorithmOfCurve[algorithm.namedCurve ?? ""];
      label = `an EC ${algorithm.namedCurve} key`;
      break;
    case "Ed25519":
      alg = "EdDSA";
      label = "an Ed25519 key";
      break;
  }
  if (alg === undefined)
    return `publicKey is a CryptoKey for ${algorithm.name}, which JWT verification does not use`;
  return { label, fits: [alg], defaults: [alg], resolve: () => Promise.resolve(key) };
}
