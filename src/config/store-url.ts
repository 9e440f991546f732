import { isAbsolute, join } from "node:path";
import { TesseraError } from "../core/errors.js";
import { maskUrl } from "../core/mask-url.js";

/** The store a project uses, chosen by URL. The store adapters plug in behind it. */
export interface StoreUrl {
  readonly kind: "sqlite" | "postgres" | "memory";
  /** The URL as given. */
  readonly url: string;
  /** Safe to print: a password in the URL is masked. */
  readonly display: string;
  /** The database file of `sqlite:<path>`, absolute (relative paths are from the project's root). */
  readonly path?: string;
}

/** The default store of a stage: a SQLite file under `.tesserae/`. */
export function defaultStoreUrl(stage: string): string {
  return `sqlite:.tesserae/${stage}.db`;
}

/**
 * Checks a store URL: `sqlite:<path>`, `postgres://…` (or `postgresql://…`), or `memory`.
 *
 * @example
 * parseStoreUrl("sqlite:.tesserae/dev.db", "/app") // { kind: "sqlite", path: "/app/.tesserae/dev.db", … }
 */
export function parseStoreUrl(url: string, root: string): StoreUrl {
  if (url === "memory") return { kind: "memory", url, display: url };
  if (url.startsWith("sqlite:")) {
    const file = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (file === "")
      throw new TesseraError("TESSERA_CONFIG", `store ${url}: give a file, e.g. sqlite:.tesserae/dev.db`);
    return { kind: "sqlite", url, display: url, path: isAbsolute(file) ? file : join(root, file) };
  }
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TesseraError("TESSERA_CONFIG", "store: the postgres URL is malformed");
    }
    return { kind: "postgres", url, display: maskUrl(parsed.toString()) };
  }
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0] ?? url;
  throw new TesseraError(
    "TESSERA_CONFIG",
    `unknown store "${scheme}": use sqlite:<path>, postgres://user@host/db or memory`,
  );
}
