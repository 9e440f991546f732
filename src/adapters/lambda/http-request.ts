import { TesseraError } from "../../core/errors.js";
import type { Identity } from "../../core/identity.js";
import type { GatewayRequest } from "../../features/gateway/gateway-request.js";
import { verdictOf } from "./authorizer-context.js";
import type { AlbEvent, ApiGatewayV1Event, ApiGatewayV2Event, LambdaContext } from "./lambda-events.js";

type HeaderMap = Record<string, string | readonly string[] | undefined>;

/** How HTTP events become gateway requests. */
export interface RequestOptions {
  /** Take the verdict of the API Gateway authorizer from the request context (default true). */
  readonly trustAuthorizer: boolean;
  /** Remove the stage name that HTTP APIs put first in `rawPath` for a named stage (default true). */
  readonly stripStage: boolean;
}

/** A gateway request built from a Lambda event; its signal aborts just before the function times out. */
export class LambdaRequest implements GatewayRequest {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: HeaderMap,
    readonly body: string | Uint8Array | undefined,
    readonly authorized: Identity | true | undefined,
    private readonly context: LambdaContext | undefined,
  ) {}

  signal(): AbortSignal | undefined {
    const remaining = this.context?.getRemainingTimeInMillis?.();
    return remaining === undefined ? undefined : AbortSignal.timeout(Math.max(0, remaining - 50));
  }
}

function bad(source: string, message: string): TesseraError {
  return TesseraError.badRequest(`invalid ${source} event: ${message}`);
}

function str(value: unknown, source: string, field: string): string {
  if (typeof value !== "string" || value === "") throw bad(source, `${field} must be a non-empty string`);
  return value;
}

function object(value: unknown, source: string, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw bad(source, `${field} must be an object`);
  return value as Record<string, unknown>;
}

function path(value: unknown, source: string, field: string): string {
  const p = str(value, source, field);
  if (!p.startsWith("/")) throw bad(source, `${field} must start with "/"`);
  return p;
}

/** Lower-cased headers; multi-value ones win over single ones. */
function headersOf(single: unknown, multi: unknown, source: string): HeaderMap {
  const out: HeaderMap = {};
  if (single !== undefined && single !== null) {
    for (const [k, v] of Object.entries(object(single, source, "headers"))) {
      if (typeof v === "string") out[k.toLowerCase()] = v;
    }
  }
  if (multi !== undefined && multi !== null) {
    for (const [k, v] of Object.entries(object(multi, source, "multiValueHeaders"))) {
      if (!Array.isArray(v)) continue;
      const values = v.filter((x): x is string => typeof x === "string");
      if (values.length > 0) out[k.toLowerCase()] = values.length === 1 ? values[0] : values;
    }
  }
  return out;
}

function bodyOf(body: unknown, base64: unknown, source: string): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== "string") throw bad(source, "body must be a string or null");
  if (base64 === true) return new Uint8Array(Buffer.from(body, "base64"));
  return body;
}

/** `?a=1&b=2` from decoded parameters (API Gateway v1 decodes them). */
function encodedQuery(single: unknown, multi: unknown, source: string): string {
  const params = new URLSearchParams();
  if (multi !== undefined && multi !== null) {
    for (const [k, v] of Object.entries(object(multi, source, "multiValueQueryStringParameters"))) {
      if (Array.isArray(v)) for (const x of v) if (typeof x === "string") params.append(k, x);
    }
  } else if (single !== undefined && single !== null) {
    for (const [k, v] of Object.entries(object(single, source, "queryStringParameters"))) {
      if (typeof v === "string") params.append(k, v);
    }
  }
  const qs = params.toString();
  return qs === "" ? "" : `?${qs}`;
}

/** `?a=1&b=2` from parameters left as the client sent them (ALB does not decode). */
function rawQuery(single: unknown, multi: unknown, source: string): string {
  const parts: string[] = [];
  if (multi !== undefined && multi !== null) {
    for (const [k, v] of Object.entries(object(multi, source, "multiValueQueryStringParameters"))) {
      if (Array.isArray(v)) for (const x of v) if (typeof x === "string") parts.push(`${k}=${x}`);
    }
  } else if (single !== undefined && single !== null) {
    for (const [k, v] of Object.entries(object(single, source, "queryStringParameters"))) {
      if (typeof v === "string") parts.push(`${k}=${v}`);
    }
  }
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

/** Sets `x-request-id` to API Gateway's request id when the client sent none, to tie the logs together. */
function withRequestId(headers: HeaderMap, requestId: unknown): HeaderMap {
  if (headers["x-request-id"] === undefined && typeof requestId === "string" && requestId !== "")
    headers["x-request-id"] = requestId;
  return headers;
}

/** A REST API (v1) proxy event, or an HTTP API event in payload format 1.0. */
export function fromV1(
  event: ApiGatewayV1Event,
  options: RequestOptions,
  context?: LambdaContext,
): LambdaRequest {
  const source = "API Gateway v1";
  const method = str(event.httpMethod, source, "httpMethod").toUpperCase();
  const url = path(event.path, source, "path");
  const rc = object(event.requestContext, source, "requestContext");
  const headers = withRequestId(headersOf(event.headers, event.multiValueHeaders, source), rc.requestId);
  const query = encodedQuery(event.queryStringParameters, event.multiValueQueryStringParameters, source);
  // REST APIs put the authorizer's context in `authorizer`, HTTP APIs (format 1.0) in `authorizer.lambda`.
  const authorizer = rc.authorizer as { lambda?: unknown } | null | undefined;
  const authorized = options.trustAuthorizer
    ? (verdictOf(authorizer) ?? verdictOf(authorizer?.lambda))
    : undefined;
  const body = bodyOf(event.body, event.isBase64Encoded, source);
  return new LambdaRequest(method, url + query, headers, body, authorized, context);
}

/** An HTTP API event, payload format 2.0. */
export function fromV2(
  event: ApiGatewayV2Event,
  options: RequestOptions,
  context?: LambdaContext,
): LambdaRequest {
  const source = "API Gateway v2";
  const rc = object(event.requestContext, source, "requestContext");
  const method = str(
    object(rc.http, source, "requestContext.http").method,
    source,
    "requestContext.http.method",
  );
  let url = path(event.rawPath, source, "rawPath");
  const stage = rc.stage;
  if (options.stripStage && typeof stage === "string" && stage !== "$default") {
    const prefix = `/${stage}`;
    if (url === prefix) url = "/";
    else if (url.startsWith(`${prefix}/`)) url = url.slice(prefix.length);
  }
  const headers = withRequestId(headersOf(event.headers, undefined, source), rc.requestId);
  if (Array.isArray(event.cookies) && event.cookies.length > 0 && headers.cookie === undefined)
    headers.cookie = event.cookies.join("; ");
  const qs = event.rawQueryString;
  if (qs !== undefined && typeof qs !== "string") throw bad(source, "rawQueryString must be a string");
  const authorizer = rc.authorizer as { lambda?: unknown } | null | undefined;
  const authorized = options.trustAuthorizer ? verdictOf(authorizer?.lambda) : undefined;
  const body = bodyOf(event.body, event.isBase64Encoded, source);
  return new LambdaRequest(
    method.toUpperCase(),
    qs === undefined || qs === "" ? url : `${url}?${qs}`,
    headers,
    body,
    authorized,
    context,
  );
}

/** An Application Load Balancer event. */
export function fromAlb(event: AlbEvent, context?: LambdaContext): LambdaRequest {
  const source = "ALB";
  const method = str(event.httpMethod, source, "httpMethod").toUpperCase();
  const url = path(event.path, source, "path");
  const headers = headersOf(event.headers, event.multiValueHeaders, source);
  const query = rawQuery(event.queryStringParameters, event.multiValueQueryStringParameters, source);
  const body = bodyOf(event.body, event.isBase64Encoded, source);
  return new LambdaRequest(method, url + query, headers, body, undefined, context);
}
