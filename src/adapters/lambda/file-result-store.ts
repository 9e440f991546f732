import { dirname, join, resolve } from "node:path";
import { TesseraError } from "../../core/errors.js";
import { checkResultKey, isStoredResult, type ResultStore, type StoredResult } from "./result-store.js";

export interface FileResultStoreOptions {
  /** The folder that plays the bucket: a result is the JSON file at `<dir>/<key>`. */
  readonly dir: string;
}

let tmpCounter = 0;

// Loaded on first use: a function that never stores a result does not pay for node:fs/promises at its cold start.
const fs = () => import("node:fs/promises");

/** A {@link ResultStore} in a folder, for local runs and tests (on Lambda, only `/tmp` is writable). */
export class FileResultStore implements ResultStore {
  readonly dir: string;

  constructor(options: FileResultStoreOptions) {
    this.dir = resolve(options.dir);
  }

  private fileOf(key: string): string {
    return join(this.dir, ...checkResultKey(key).split("/"));
  }

  async put(result: StoredResult): Promise<void> {
    const file = this.fileOf(result.key);
    const { mkdir, rename, writeFile } = await fs();
    await mkdir(dirname(file), { recursive: true });
    // Written aside then renamed: a reader never sees half a result.
    const tmp = `${file}.${process.pid}.${++tmpCounter}.tmp`;
    await writeFile(tmp, JSON.stringify(result));
    await rename(tmp, file);
  }

  async get(key: string): Promise<StoredResult | undefined> {
    const { readFile } = await fs();
    let text: string;
    try {
      text = await readFile(this.fileOf(key), "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw err;
    }
    const value: unknown = JSON.parse(text);
    if (!isStoredResult(value))
      throw new TesseraError("TESSERA_INTERNAL", `the file of result ${key} is not a stored result`);
    return value;
  }
}

/**
 * A result store in a folder.
 *
 * @example
 * const results = fileResultStore({ dir: ".tesserae/results" });
 * await results.get("reports/42.json");
 */
export function fileResultStore(options: FileResultStoreOptions): FileResultStore {
  return new FileResultStore(options);
}
