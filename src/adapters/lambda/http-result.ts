import { TesseraError } from "../../core/errors.js";
import type { GatewayResponse } from "../../features/gateway/gateway-response.js";
import { httpStatusOf } from "../../features/gateway/http-status.js";
import type { LambdaHttpResult } from "./lambda-events.js";

// The reasons of the statuses the gateway answers with (node:http's STATUS_CODES would cost a cold
// start the loading of node:http).
const reasons: Readonly<Record<number, string>> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No Content",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  500: "Internal Server Error",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** The format an answer must take: API Gateway (v1 and v2 share it) or ALB, with or without multi-value headers. */
export type ResultFormat = "api" | "alb" | "alb-multi";

/** The body of an answer as Lambda carries it: text as is, bytes in base64 with the flag. */
export function encodeBody(body: string | Uint8Array | undefined): {
  body: string;
  isBase64Encoded: boolean;
} {
  if (body === undefined) return { body: "", isBase64Encoded: false };
  if (typeof body === "string") return { body, isBase64Encoded: false };
  return {
    body: Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("base64"),
    isBase64Encoded: true,
  };
}

/**
 * A gateway response as a Lambda HTTP result.
 *
 * @example
 * toResult({ status: 200, headers: { "content-type": "application/json" }, body: "{}" }, "api")
 * // { statusCode: 200, headers: {…}, body: "{}", isBase64Encoded: false }
 */
export function toResult(r: GatewayResponse, format: ResultFormat): LambdaHttpResult {
  const { body, isBase64Encoded } = encodeBody(r.body);
  if (format === "api") return { statusCode: r.status, headers: r.headers, body, isBase64Encoded };
  const statusDescription = `${r.status} ${reasons[r.status] ?? "Status"}`;
  if (format === "alb")
    return { statusCode: r.status, statusDescription, headers: r.headers, body, isBase64Encoded };
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(r.headers)) multiValueHeaders[k] = [v];
  return { statusCode: r.status, statusDescription, multiValueHeaders, body, isBase64Encoded };
}

/** A JSON error answer shaped like the gateway's, for failures outside it (a malformed event, a failed start). */
export function errorResponse(err: unknown, requestId: string): GatewayResponse {
  const e = TesseraError.from(err);
  const body: Record<string, unknown> = { code: e.code, message: e.message, requestId };
  if (e.details !== undefined && e.code !== "TESSERA_INTERNAL") body.details = e.details;
  return {
    status: httpStatusOf[e.code],
    headers: { "content-type": "application/json; charset=utf-8", "x-request-id": requestId },
    body: JSON.stringify({ error: body }),
  };
}
