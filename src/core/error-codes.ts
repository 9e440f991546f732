/**
 * The registry of stable error codes. Every error Tesserae raises or carries over a transport has
 * one of these codes. Codes describe what went wrong, never how a protocol reports it: the HTTP
 * gateway alone maps them to statuses (see `features/gateway/http-status.ts`).
 *
 * @example
 * if (err instanceof TesseraError && err.code === "TESSERA_CONFLICT") retry();
 */
export const errorCatalogue = {
  TESSERA_BAD_REQUEST: {
    retryable: false,
    description: "The request cannot be read: malformed JSON, a body not in UTF-8, a `__proto__` key.",
  },
  TESSERA_VALIDATION: {
    retryable: false,
    description:
      "An input or payload failed its schema (a missing body too); `details.issues` lists every problem with its path.",
  },
  TESSERA_UNAUTHORIZED: {
    retryable: false,
    description: "No credentials, or credentials that could not be verified.",
  },
  TESSERA_FORBIDDEN: { retryable: false, description: "The caller is known but not allowed to do this." },
  TESSERA_NOT_FOUND: { retryable: false, description: "The route, entry or resource does not exist." },
  TESSERA_METHOD_NOT_ALLOWED: {
    retryable: false,
    description: "The path exists but not with this verb; `details.allow` lists the verbs.",
  },
  TESSERA_CONFLICT: {
    retryable: false,
    description: "The request conflicts with the current state (e.g. a version mismatch or a business rule).",
  },
  TESSERA_IN_PROGRESS: {
    retryable: true,
    description:
      "A call with the same idempotency key is still running (or its node died and the key's lock has not run out yet): retry later to get its answer.",
  },
  TESSERA_PAYLOAD_TOO_LARGE: {
    retryable: false,
    description: "The body is larger than the configured limit, or a flow too large to draw as SVG.",
  },
  TESSERA_UNSUPPORTED_MEDIA_TYPE: { retryable: false, description: "The body is not JSON." },
  TESSERA_OVERLOADED: {
    retryable: true,
    description: "A bulkhead is full: too many concurrent calls and a full queue.",
  },
  TESSERA_CIRCUIT_OPEN: {
    retryable: true,
    description: "The circuit breaker of the target is open after repeated failures.",
  },
  TESSERA_UNAVAILABLE: {
    retryable: true,
    description: "The target cannot be reached (no live instance, transport down, shutting down).",
  },
  TESSERA_TIMEOUT: { retryable: true, description: "The deadline passed before the call completed." },
  TESSERA_REQUEST_TIMEOUT: {
    retryable: true,
    description:
      "The client did not send its request in time: headers within 10 s, the whole request within its deadline, a body at 1 KiB/s at least after its first 3 s.",
  },
  TESSERA_INTERNAL: {
    retryable: false,
    description:
      "An unexpected failure; the details are in the log under the request id, never in the response.",
  },
  TESSERA_DEFINITION: {
    retryable: false,
    description:
      "A definition is invalid: refused when declared, or when its node or engine is created or starts; `details.name` names the definition and the option (`orders.get.timeout`). Also a handler reading a config model or state its service does not declare.",
  },
  TESSERA_CONFIG: {
    retryable: false,
    description: "The configuration is invalid or incomplete (every problem listed when the node starts).",
  },
  TESSERA_INTERRUPTED: {
    retryable: true,
    description:
      "A flow execution stopped without writing (lease lost, flow store failed, engine stopping); the next worker resumes the run.",
  },
  TESSERA_CANCELLED: {
    retryable: false,
    description:
      "A flow run was asked to stop: its next effect fails, its completed steps are compensated and it ends `cancelled`.",
  },
  TESSERA_FLOW_BUDGET: {
    retryable: false,
    description:
      "A flow run went past its budget (steps in one activation, or journal entries in all); the run fails, its completed steps are compensated. Also a run taken over too many times in a row without progress: it fails without its code being run again.",
  },
  TESSERA_NON_DETERMINISM: {
    retryable: false,
    description:
      "A flow's code no longer matches the journal of its run; the run is `blocked` and reports `TESSERA_CONFLICT`.",
  },
} as const satisfies Record<string, { retryable: boolean; description: string }>;

/** One of the stable error codes of {@link errorCatalogue}. */
export type ErrorCode = keyof typeof errorCatalogue;

/** True when `code` is a known error code (useful when decoding errors from the wire). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(errorCatalogue, code);
}
