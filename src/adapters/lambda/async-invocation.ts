import { TesseraError } from "../../core/errors.js";
import type { GatewayRequest } from "../../features/gateway/gateway-request.js";
import type { GatewayResponse } from "../../features/gateway/gateway-response.js";
import { encodeBody } from "./http-result.js";
import { checkResultKey, type StoredResult } from "./result-store.js";

/** The request an asynchronous invocation runs, as the HTTP request it stands for. */
export interface AsyncRequest {
  readonly method: string;
  /** Path and query string, e.g. `/reports?year=2025`. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string is sent as it is; any other value as JSON (`content-type: application/json` unless given). */
  readonly body?: unknown;
  /** The string `body` is base64 (bytes). */
  readonly isBase64Encoded?: boolean;
}

/**
 * An asynchronous invocation (`aws lambda invoke --invocation-type Event`): the entry behind
 * `request` runs, and its response is stored under `key` in the result store.
 *
 * @example
 * { "tessera": "async", "key": "reports/42.json", "request": { "method": "POST", "path": "/reports", "body": { "year": 2025 } } }
 */
export interface AsyncEvent {
  readonly tessera: "async";
  readonly key: string;
  readonly request: AsyncRequest;
}

/** Reads back the result of an asynchronous invocation: `{ "tessera": "result", "key": "reports/42.json" }`. */
export interface ResultEvent {
  readonly tessera: "result";
  readonly key: string;
}

function bad(message: string): TesseraError {
  return TesseraError.badRequest(`invalid async event: ${message}`);
}

/** The request of an async event as a gateway request (throws `TESSERA_BAD_REQUEST` when malformed). */
export function asyncRequest(event: AsyncEvent): GatewayRequest {
  const r = event.request as unknown;
  if (typeof r !== "object" || r === null || Array.isArray(r)) throw bad("`request` must be an object");
  const { method, path, headers, body, isBase64Encoded } = r as Record<string, unknown>;
  if (typeof method !== "string" || method === "") throw bad("`request.method` must be a non-empty string");
  if (typeof path !== "string" || !path.startsWith("/")) throw bad('`request.path` must start with "/"');
  const h: Record<string, string> = {};
  if (headers !== undefined) {
    if (typeof headers !== "object" || headers === null || Array.isArray(headers))
      throw bad("`request.headers` must be an object");
    for (const [k, v] of Object.entries(headers)) if (typeof v === "string") h[k.toLowerCase()] = v;
  }
  let payload: string | Uint8Array | undefined;
  if (body === undefined || body === null) payload = undefined;
  else if (typeof body === "string")
    payload = isBase64Encoded === true ? new Uint8Array(Buffer.from(body, "base64")) : body;
  else {
    payload = JSON.stringify(body);
    h["content-type"] ??= "application/json";
  }
  return { method: method.toUpperCase(), url: path, headers: h, body: payload };
}

/** The key of an async or result event, checked. */
export function resultKeyOf(event: { readonly key?: unknown }): string {
  return checkResultKey(event.key);
}

/** A gateway response as the record kept in the result store. */
export function storedResult(key: string, r: GatewayResponse): StoredResult {
  const { body, isBase64Encoded } = encodeBody(r.body);
  const requestId = r.headers["x-request-id"];
  const base = { key, status: r.status, headers: r.headers, body, isBase64Encoded };
  return requestId === undefined
    ? { ...base, completedAt: new Date().toISOString() }
    : { ...base, requestId, completedAt: new Date().toISOString() };
}
