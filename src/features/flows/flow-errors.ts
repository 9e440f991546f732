import { type ErrorBody, TesseraError } from "../../core/errors.js";

/** The execution must stop without writing: the lease was lost, the store failed, or the engine stops. */
export class Interrupted extends Error {
  override readonly name = "Interrupted";
}

/** A cancellation was requested: the next effect throws it, compensations run, the run ends `cancelled`. */
export class RunCancelled extends Error {
  override readonly name = "RunCancelled";
  constructor() {
    super("the run was cancelled");
  }
}

/** The code no longer matches the run's journal: replaying it would be wrong. */
export class NonDeterminism extends Error {
  override readonly name = "NonDeterminism";
  constructor(
    message: string,
    readonly details: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Control-flow errors are never journaled as the outcome of an effect. */
export function isControl(err: unknown): boolean {
  return err instanceof Interrupted || err instanceof RunCancelled || err instanceof NonDeterminism;
}

/** The stored form of an error: a TesseraError keeps its code; anything else is `TESSERA_INTERNAL` with its message. */
export function errorBody(err: unknown): ErrorBody {
  if (err instanceof TesseraError) return err.toJSON();
  if (err instanceof NonDeterminism)
    return { code: "TESSERA_CONFLICT", message: err.message, details: err.details };
  const message = err instanceof Error ? err.message : String(err);
  return { code: "TESSERA_INTERNAL", message };
}

/** The error a replay throws for a journaled failure. */
export function rebuild(body: unknown): TesseraError {
  return TesseraError.fromBody(body);
}
