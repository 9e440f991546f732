import { isErrorCode } from "../core/error-codes.js";
import { TesseraError } from "../core/errors.js";
import { CliError } from "./cli-error.js";

interface Operation {
  readonly method: string;
  readonly path: string;
}

/** Finds the route of `target` (`service.entry`) in the node's OpenAPI document (operation ids are entry ids). */
async function findOperation(
  base: string,
  target: string,
  headers: Record<string, string>,
): Promise<Operation> {
  let res: Response;
  try {
    res = await fetch(new URL("/openapi.json", base), { headers });
  } catch (err) {
    throw new CliError(`cannot reach ${base}: ${(err as Error).cause ?? (err as Error).message}`);
  }
  if (!res.ok) throw new CliError(`${base}/openapi.json answered ${res.status}: is it a Tesserae node?`);
  const doc = (await res.json()) as { paths?: Record<string, Record<string, { operationId?: string }>> };
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops)) {
      if (op.operationId === target) return { method: method.toUpperCase(), path };
    }
  }
  throw new TesseraError("TESSERA_NOT_FOUND", `${base} serves no entry ${target}`);
}

/**
 * Calls an entry of a running node through its HTTP route: path parameters and, for GET and
 * DELETE, the query string come from the input; otherwise the input is the JSON body. Resolves to
 * the result; an error answer rejects with its TesseraError.
 */
export async function callRemote(
  base: string,
  target: string,
  input: unknown,
  token?: string,
): Promise<unknown> {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const { method, path } = await findOperation(base, target, headers);
  const rest: Record<string, unknown> = typeof input === "object" && input !== null ? { ...input } : {};
  const url = new URL(
    path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = rest[name];
      delete rest[name];
      if (value === undefined)
        throw new CliError(`${target} needs "${name}" in its input (a path parameter)`);
      return encodeURIComponent(String(value));
    }),
    base,
  );
  let body: string | undefined;
  if (method === "GET" || method === "DELETE") {
    for (const [key, value] of Object.entries(rest)) {
      url.searchParams.set(key, typeof value === "string" ? value : JSON.stringify(value));
    }
  } else if (input !== undefined) {
    body = JSON.stringify(typeof input === "object" && input !== null ? rest : input);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(url, body === undefined ? { method, headers } : { method, headers, body });
  const text = await res.text();
  const json: unknown = text === "" ? undefined : JSON.parse(text);
  if (res.ok) return json;
  const error = (json as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)
    ?.error;
  if (isErrorCode(error?.code) && typeof error.message === "string") {
    throw new TesseraError(error.code, error.message, { details: error.details });
  }
  throw new TesseraError("TESSERA_INTERNAL", `${method} ${url.pathname} answered ${res.status}`);
}
