import { TesseraError } from "../../core/errors.js";
import type { Route } from "../../core/routes.js";
import { type GatewayRequest, headerOf } from "./gateway-request.js";

// Where a route's input comes from: the query string and path parameters, or the JSON body merged
// with the path parameters. Reading the body itself is request-body.ts.

const bodyVerbs = new Set(["POST", "PUT", "PATCH"]);

function queryOf(qs: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(qs)) {
    if (k === "__proto__" || k === "constructor")
      throw TesseraError.badRequest(`forbidden query parameter "${k}"`);
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  return out;
}

/**
 * The input of a GET/DELETE: the query string and path parameters (none at all for an entry
 * without input). `q` is the index of `?` in `url`, -1 without a query string.
 *
 * @example
 * queryInput(route, "/orders?limit=5", 7, undefined); // { limit: "5" }
 */
export function queryInput(
  route: Route,
  url: string,
  q: number,
  params: Readonly<Record<string, string>> | undefined,
): unknown {
  if (q === -1)
    return params === undefined && route.entry.options.input === undefined ? undefined : { ...params };
  return { ...queryOf(url.slice(q + 1)), ...params };
}

/** True when a body is sent (announced by its headers, or already there). */
function hasBody(req: GatewayRequest): boolean {
  if (req.body !== undefined) return req.body.length > 0;
  return Number(headerOf(req, "content-length")) > 0 || headerOf(req, "transfer-encoding") !== undefined;
}

/**
 * POST/PUT/PATCH take the JSON body; DELETE takes it when one is sent (else the query string, as
 * most DELETEs carry nothing but path parameters); GET never does.
 *
 * @example
 * if (takesBody(route, req)) input = withParams(await readJsonBody(req, limit), params);
 */
export function takesBody(route: Route, req: GatewayRequest): boolean {
  return bodyVerbs.has(route.method) || (route.method === "DELETE" && hasBody(req));
}

/**
 * True for a POST/PUT/PATCH entry declared with `rawBody`: it reads the body itself (e.g. to
 * answer a legacy contract's own errors).
 *
 * @example
 * if (takesRawBody(route)) input = { ...(await readRawBody(req, limit)), ...params };
 */
export function takesRawBody(route: Route): boolean {
  return route.entry.options.rawBody === true && bodyVerbs.has(route.method);
}

/**
 * A JSON body merged with the path parameters, which win; without parameters, the body as is.
 *
 * @example
 * withParams({ note: "x" }, { id: "7" }); // { note: "x", id: "7" }
 */
export function withParams(body: unknown, params: Readonly<Record<string, string>> | undefined): unknown {
  if (params === undefined) return body;
  const input = body === undefined ? {} : body;
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw TesseraError.badRequest("the body must be a JSON object on a route with path parameters");
  }
  return { ...input, ...params };
}
