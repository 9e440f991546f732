import { type ErrorCode, errorCatalogue, isErrorCode } from "./error-codes.js";

/** The JSON shape of an error, as it travels over a transport or in an HTTP body. */
export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: unknown;
}

/**
 * The brand of a TesseraError, registered globally (`Symbol.for`): a project that loads the
 * framework twice (CommonJS beside ESM, two installed copies) still recognises the errors of the
 * other copy with `instanceof TesseraError` and `hasCode`.
 */
const brand = Symbol.for("tesserae.error");

/**
 * The one error type of Tesserae: a stable `code`, a human `message`, optional JSON `details` that
 * are safe to show to a caller, and an optional `cause` that is only logged.
 *
 * @example
 * throw TesseraError.conflict("insufficient funds", { balance: 3, requested: 5 });
 */
export class TesseraError extends Error {
  override readonly name = "TesseraError";
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
    Object.defineProperty(this, brand, { value: true });
  }

  /**
   * `err instanceof TesseraError` holds for an error of any copy of the framework (its brand);
   * for a subclass, the usual prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class asked about, maybe a subclass
    if (this !== TesseraError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === "object" && value !== null && (value as { [brand]?: unknown })[brand] === true;
  }

  /** True when a retry may succeed (see the `retryable` column of the catalogue). */
  get retryable(): boolean {
    return errorCatalogue[this.code].retryable;
  }

  toJSON(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  /** Rebuilds an error received from the wire; anything unrecognisable becomes `TESSERA_INTERNAL`. */
  static fromBody(body: unknown): TesseraError {
    if (body !== null && typeof body === "object") {
      const { code, message, details } = body as Record<string, unknown>;
      if (isErrorCode(code) && typeof message === "string")
        return new TesseraError(code, message, { details });
    }
    return new TesseraError("TESSERA_INTERNAL", "malformed error from a remote service", {
      details: undefined,
    });
  }

  /** Wraps anything thrown into a TesseraError; unknown errors become `TESSERA_INTERNAL` and keep their cause. */
  static from(err: unknown): TesseraError {
    if (err instanceof TesseraError) return err;
    return new TesseraError("TESSERA_INTERNAL", "internal error", { cause: err });
  }

  static badRequest(message: string, details?: unknown): TesseraError {
    return new TesseraError("TESSERA_BAD_REQUEST", message, { details });
  }
  static unauthorized(message = "unauthorized", details?: unknown): TesseraError {
    return new TesseraError("TESSERA_UNAUTHORIZED", message, { details });
  }
  static forbidden(message = "forbidden", details?: unknown): TesseraError {
    return new TesseraError("TESSERA_FORBIDDEN", message, { details });
  }
  static notFound(message: string, details?: unknown): TesseraError {
    return new TesseraError("TESSERA_NOT_FOUND", message, { details });
  }
  static conflict(message: string, details?: unknown): TesseraError {
    return new TesseraError("TESSERA_CONFLICT", message, { details });
  }
  static unavailable(message: string, details?: unknown): TesseraError {
    return new TesseraError("TESSERA_UNAVAILABLE", message, { details });
  }
  static timeout(message: string, details?: unknown): TesseraError {
    return new TesseraError("TESSERA_TIMEOUT", message, { details });
  }
  /**
   * A mistake in a definition (a service, entry, event, config model, state, aggregate…), raised
   * when it is declared; `name` is the offending one, also in `details.name`.
   *
   * @example
   * throw TesseraError.definition("order placed", `event name "order placed" must be dotted words`);
   */
  static definition(name: string, message: string): TesseraError {
    return new TesseraError("TESSERA_DEFINITION", message, { details: { name } });
  }
}

/** True for a TesseraError with the given code. */
export function hasCode(err: unknown, code: ErrorCode): err is TesseraError {
  return err instanceof TesseraError && err.code === code;
}
