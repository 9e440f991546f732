import { TesseraError } from "../../core/errors.js";
import { checkResultKey, isStoredResult, type ResultStore, type StoredResult } from "./result-store.js";

/**
 * The two calls of an S3 client that the store makes. `S3` of `@aws-sdk/client-s3` has them as they
 * are (`new S3({})`); any S3-compatible client can be adapted in a few lines.
 */
export interface S3ObjectClient {
  putObject(input: { Bucket: string; Key: string; Body: string; ContentType: string }): Promise<unknown>;
  getObject(input: {
    Bucket: string;
    Key: string;
  }): Promise<{ readonly Body?: { transformToString(): Promise<string> } | undefined }>;
}

export interface S3ResultStoreOptions {
  readonly bucket: string;
  /** Put before every key, e.g. `results/` (default none). */
  readonly prefix?: string;
  /** The client, or a function creating it on first use (so that a cold start does not pay for it). */
  readonly client: S3ObjectClient | (() => S3ObjectClient | Promise<S3ObjectClient>);
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return e?.name === "NoSuchKey" || e?.Code === "NoSuchKey" || e?.$metadata?.httpStatusCode === 404;
}

/** A {@link ResultStore} on an S3 bucket: one JSON object per result. */
export class S3ResultStore implements ResultStore {
  private client: Promise<S3ObjectClient> | undefined;

  constructor(private readonly options: S3ResultStoreOptions) {
    if (typeof options.bucket !== "string" || options.bucket === "")
      throw new TesseraError("TESSERA_CONFIG", "s3ResultStore: `bucket` is required");
  }

  private s3(): Promise<S3ObjectClient> {
    const { client } = this.options;
    this.client ??= Promise.resolve(typeof client === "function" ? client() : client);
    return this.client;
  }

  private keyOf(key: string): string {
    return `${this.options.prefix ?? ""}${checkResultKey(key)}`;
  }

  async put(result: StoredResult): Promise<void> {
    const s3 = await this.s3();
    await s3.putObject({
      Bucket: this.options.bucket,
      Key: this.keyOf(result.key),
      Body: JSON.stringify(result),
      ContentType: "application/json",
    });
  }

  async get(key: string): Promise<StoredResult | undefined> {
    const s3 = await this.s3();
    let text: string | undefined;
    try {
      const out = await s3.getObject({ Bucket: this.options.bucket, Key: this.keyOf(key) });
      text = await out.Body?.transformToString();
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    if (text === undefined) return undefined;
    const value: unknown = JSON.parse(text);
    if (!isStoredResult(value))
      throw new TesseraError("TESSERA_INTERNAL", `the object of result ${key} is not a stored result`);
    return value;
  }
}

/**
 * A result store on S3 (or any S3-compatible service). The client is injected: Tesserae does not
 * depend on the AWS SDK (the Lambda Node.js runtime ships it).
 *
 * @example
 * import { S3 } from "@aws-sdk/client-s3";
 * const results = s3ResultStore({ bucket: process.env.RESULTS_BUCKET!, client: () => new S3({}) });
 */
export function s3ResultStore(options: S3ResultStoreOptions): S3ResultStore {
  return new S3ResultStore(options);
}
