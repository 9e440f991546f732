import type { Route } from "../../core/routes.js";
import { jsonSchemaOf } from "../../core/schema.js";
import type { GatewayResponse } from "./gateway-response.js";
import { type JsonWriter, jsonWriterOf } from "./json-writer.js";
import { Reply } from "./reply.js";

// The gateway's answers to a handler's result: JSON (written by the route's writer when it has
// one), bytes, a Reply with its own status and headers, or nothing (204).

export const JSON_TYPE = "application/json; charset=utf-8";
const BINARY_TYPE = "application/octet-stream";

/** The JSON text of a result: with the route's writer when it has one and the result fits it. */
function jsonText(result: unknown, write: JsonWriter | undefined): string {
  return write?.(result) ?? JSON.stringify(result);
}

/**
 * The writer of a route's answers, from its output schema: zod's only, whose parsed objects hold
 * exactly the schema's keys, in its order (a library that keeps unknown keys would lose them).
 */
export function writerOf(route: Route): JsonWriter | undefined {
  const output = route.entry.options.output;
  if (output === undefined || output["~standard"].vendor !== "zod") return undefined;
  return jsonWriterOf(jsonSchemaOf(output, "output"));
}

/** The answer to a handler's result, with the CORS headers `extra` (undefined: none). */
export function success(
  route: Route,
  result: unknown,
  requestId: string,
  extra: Record<string, string> | undefined,
  write: JsonWriter | undefined,
): GatewayResponse {
  const headers: Record<string, string> =
    extra === undefined ? { "x-request-id": requestId } : { ...extra, "x-request-id": requestId };
  if (result instanceof Reply) {
    // Bytes keep the content type the handler chose; JSON is always sent as JSON.
    const bytes = result.body instanceof Uint8Array;
    if (!bytes || result.headers["content-type"] === undefined)
      headers["content-type"] = bytes ? BINARY_TYPE : JSON_TYPE;
    return {
      status: result.status,
      headers: { ...result.headers, ...headers },
      body: bytes ? result.body : JSON.stringify(result.body),
    };
  }
  if (result === undefined) return { status: 204, headers, body: undefined };
  if (result instanceof Uint8Array) {
    headers["content-type"] = BINARY_TYPE;
    return { status: route.entry.options.status ?? 200, headers, body: result };
  }
  headers["content-type"] = JSON_TYPE;
  return { status: route.entry.options.status ?? 200, headers, body: jsonText(result, write) };
}

/** {@link success} of the common case (JSON, no CORS): one object literal, headers in a fixed shape. */
export function jsonSuccess(
  route: Route,
  result: unknown,
  requestId: string,
  write: JsonWriter | undefined,
): GatewayResponse {
  if (result === undefined || result instanceof Uint8Array || result instanceof Reply)
    return success(route, result, requestId, undefined, write);
  return {
    status: route.entry.options.status ?? 200,
    headers: { "x-request-id": requestId, "content-type": JSON_TYPE },
    body: jsonText(result, write),
  };
}
