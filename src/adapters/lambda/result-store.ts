import { TesseraError } from "../../core/errors.js";

/** The response of an asynchronous invocation, as stored under the key its caller chose. */
export interface StoredResult {
  readonly key: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body: text as is, or bytes in base64 when `isBase64Encoded`. */
  readonly body: string;
  readonly isBase64Encoded: boolean;
  /** The `x-request-id` of the invocation (to find its logs). */
  readonly requestId?: string;
  /** ISO date of completion. */
  readonly completedAt: string;
}

/**
 * Where asynchronous invocations keep their responses: an object store keyed like S3. Implemented
 * by `s3ResultStore` (any S3-compatible client, injected) and `fileResultStore` (a folder, for local
 * runs and tests).
 */
export interface ResultStore {
  /** Stores (or replaces) the result under its key. */
  put(result: StoredResult): Promise<void>;
  /** The result under `key`, or `undefined` when there is none (yet). */
  get(key: string): Promise<StoredResult | undefined>;
}

const keyPattern = /^[A-Za-z0-9!_.*'()=,@+-]+(\/[A-Za-z0-9!_.*'()=,@+-]+)*$/;

/**
 * Checks a result key: 1 to 512 characters among S3's safe ones (letters, digits, `!_.*'()=,@+-`)
 * in `/`-separated segments, none of them `.` or `..`, so that it is the same object name on S3 and
 * a path inside the folder of the file store.
 *
 * @example
 * checkResultKey("reports/2025-01-31.json") // "reports/2025-01-31.json"
 */
export function checkResultKey(key: unknown): string {
  if (typeof key !== "string" || key.length === 0 || key.length > 512 || !keyPattern.test(key))
    throw TesseraError.badRequest(
      `invalid result key ${JSON.stringify(key)}: 1-512 characters among letters, digits and !_.*'()=,@+- in /-separated segments`,
    );
  if (key.split("/").some((s) => s === "." || s === ".."))
    throw TesseraError.badRequest(
      `invalid result key ${JSON.stringify(key)}: "." and ".." segments are refused`,
    );
  return key;
}

/** True when a value read back from a store looks like a {@link StoredResult}. */
export function isStoredResult(value: unknown): value is StoredResult {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.key === "string" && typeof r.status === "number" && typeof r.body === "string";
}
