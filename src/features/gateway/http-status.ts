import type { ErrorCode } from "../../core/error-codes.js";

/** The only place where error codes meet HTTP statuses. */
export const httpStatusOf: Readonly<Record<ErrorCode, number>> = {
  TESSERA_BAD_REQUEST: 400,
  TESSERA_VALIDATION: 400,
  TESSERA_UNAUTHORIZED: 401,
  TESSERA_FORBIDDEN: 403,
  TESSERA_NOT_FOUND: 404,
  TESSERA_METHOD_NOT_ALLOWED: 405,
  TESSERA_CONFLICT: 409,
  TESSERA_PAYLOAD_TOO_LARGE: 413,
  TESSERA_UNSUPPORTED_MEDIA_TYPE: 415,
  TESSERA_OVERLOADED: 503,
  TESSERA_CIRCUIT_OPEN: 503,
  TESSERA_UNAVAILABLE: 503,
  TESSERA_TIMEOUT: 504,
  TESSERA_INTERNAL: 500,
  TESSERA_DEFINITION: 500,
  TESSERA_CONFIG: 500,
  // Flow control errors stay inside the engine; were one to escape, it is an internal error.
  TESSERA_INTERRUPTED: 500,
  TESSERA_CANCELLED: 500,
  TESSERA_NON_DETERMINISM: 500,
};
