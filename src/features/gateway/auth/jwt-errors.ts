import { TesseraError } from "../../../core/errors.js";

/**
 * Why a token was refused, as `details.reason` of the `TESSERA_UNAUTHORIZED` error: stable values
 * a client can act on (e.g. refresh its token on `expired`).
 *
 * @example
 * if (err.code === "TESSERA_UNAUTHORIZED" && err.details?.reason === "expired") await refresh();
 */
export type JwtRefusalReason =
  | "malformed"
  | "algorithm"
  | "unsupported"
  | "signature"
  | "key"
  | "expired"
  | "not_yet_valid"
  | "too_old"
  | "issued_in_future"
  | "audience"
  | "issuer"
  | "missing_claim"
  | "invalid_claim";

/**
 * Thrown by the key resolver of a key set when the set cannot be fetched: the caller's token is
 * not at fault, so it becomes `TESSERA_UNAVAILABLE` rather than `TESSERA_UNAUTHORIZED`.
 *
 * @example
 * throw new KeySetUnavailable(err);
 */
export class KeySetUnavailable extends Error {
  override readonly name = "KeySetUnavailable";
  constructor(cause: unknown) {
    super("the JSON Web Key Set could not be fetched", { cause });
  }
}

/**
 * A refusal with a short message naming the failed check. The token itself, its claims and the
 * library's own message are never included.
 *
 * @example
 * throw refuse("token expired", "expired");
 */
export function refuse(message: string, reason: JwtRefusalReason, claim?: string): TesseraError {
  return TesseraError.unauthorized(message, claim === undefined ? { reason } : { reason, claim });
}

/**
 * Translates what `jose` throws into a TesseraError. Anything unrecognised is returned as is (a
 * bug or a misconfiguration: the gateway logs it and answers 500).
 *
 * @example
 * try { await jwtVerify(token, key, options) } catch (err) { throw explainJoseError(err) }
 */
export function explainJoseError(err: unknown): unknown {
  if (err instanceof KeySetUnavailable)
    return new TesseraError("TESSERA_UNAVAILABLE", "token keys unavailable", { cause: err.cause });
  const { code, claim, reason } = (err ?? {}) as { code?: unknown; claim?: unknown; reason?: unknown };
  switch (code) {
    case "ERR_JWS_INVALID":
    case "ERR_JWT_INVALID":
      return refuse("token malformed", "malformed");
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return refuse("token algorithm not allowed", "algorithm");
    case "ERR_JOSE_NOT_SUPPORTED":
      return refuse("token uses an unsupported feature", "unsupported");
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return refuse("token signature invalid", "signature");
    case "ERR_JWKS_NO_MATCHING_KEY":
      return refuse("token key not found", "key");
    case "ERR_JWT_EXPIRED":
      return claim === "iat" ? refuse("token too old", "too_old") : refuse("token expired", "expired");
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return claimRefusal(String(claim), String(reason));
    default:
      return err;
  }
}

function claimRefusal(claim: string, reason: string): TesseraError {
  // `claim` is safe to show: jose names either a configured claim or one of iat/nbf/exp/aud/iss.
  if (reason === "missing") return refuse(`token missing claim "${claim}"`, "missing_claim", claim);
  if (reason === "invalid") return refuse(`token claim "${claim}" invalid`, "invalid_claim", claim);
  switch (claim) {
    case "nbf":
      return refuse("token not yet valid", "not_yet_valid");
    case "aud":
      return refuse("token audience mismatch", "audience");
    case "iss":
      return refuse("token issuer mismatch", "issuer");
    case "iat":
      return refuse("token issued in the future", "issued_in_future");
    default:
      return refuse(`token claim "${claim}" invalid`, "invalid_claim", claim);
  }
}
