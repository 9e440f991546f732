import type { CallMeta } from "../../core/call-meta.js";
import { TesseraError } from "../../core/errors.js";
import type { Identity } from "../../core/identity.js";
import { isSafeId, newRequestId } from "../../core/ids.js";
import type { TesseraNode } from "../../core/node.js";
import type { Route } from "../../core/routes.js";
import type { Authorizer } from "../../core/service.js";
import { TraceRoot } from "../../core/trace-context.js";
import { parseTraceparent, type TraceParent, traceHeaders } from "../../core/traceparent.js";
import { JSON_TYPE, jsonSuccess, success, writerOf } from "./answers.js";
import { Cors, type CorsOptions } from "./cors.js";
import { httpStatusOf } from "./http-status.js";
import type { JsonWriter } from "./json-writer.js";
import { type OpenApiInfo, openApiDocument } from "./openapi.js";
import { headerOf, readJsonBody, readRawBody } from "./request-body.js";
import { Router } from "./router.js";

/** A request as the gateway sees it, whatever carried it (node:http, a test, a Lambda event). */
export interface GatewayRequest {
  readonly method: string;
  /** Path and query string, e.g. `/text/upper?x=1`. */
  readonly url: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The whole body, when the carrier already has it. */
  readonly body?: string | Uint8Array | undefined;
  /**
   * Streams the body in, failing with `TESSERA_PAYLOAD_TOO_LARGE` past `limit` bytes. Called only
   * once routing, auth and the content type have passed.
   */
  readBody?(limit: number): Promise<Uint8Array>;
  /** Aborted when the client goes away (built on demand). */
  signal?(): AbortSignal | undefined;
  /**
   * The verdict of an authorizer the carrier already ran for this request (an API Gateway Lambda
   * authorizer): the gateway does not run the route's authorizer again.
   */
  readonly authorized?: Identity | true | undefined;
}

export interface GatewayResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Text (JSON), or bytes when the handler returned a `Uint8Array`. */
  readonly body: string | Uint8Array | undefined;
}

export interface GatewayOptions {
  /** Largest accepted body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Deadline of one request in ms (default 30 000; 0 for none); past it the answer is 504. */
  readonly requestTimeout?: number;
  readonly cors?: CorsOptions;
  /** Authorizer of services that have none of their own. */
  readonly authorize?: Authorizer;
  /** Title and version of the OpenAPI document. */
  readonly openapi?: OpenApiInfo;
}

const builtins = new Set(["/health", "/ready", "/registry", "/openapi.json"]);
const bodyVerbs = new Set(["POST", "PUT", "PATCH"]);

/**
 * The caller's trace: a valid `traceparent` (with its `tracestate`) continues it; without one, or
 * with a malformed one, a new trace starts here (its id drawn only if something reads it).
 */
function traceOf(req: GatewayRequest): TraceParent {
  const parent = req.headers[traceHeaders.parent];
  if (typeof parent !== "string") return new TraceRoot();
  return parseTraceparent(parent, req.headers[traceHeaders.state]) ?? new TraceRoot();
}

function bearerOf(req: GatewayRequest): string | undefined {
  const auth = headerOf(req, "authorization");
  if (auth === undefined) return undefined;
  const space = auth.indexOf(" ");
  if (space === -1 || auth.slice(0, space).toLowerCase() !== "bearer") return undefined;
  const token = auth.slice(space + 1).trim();
  return token === "" ? undefined : token;
}

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

/** The input of a GET/DELETE: the query string and path parameters (none at all for an entry without input). */
function queryInput(
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
 */
function takesBody(route: Route, req: GatewayRequest): boolean {
  return bodyVerbs.has(route.method) || (route.method === "DELETE" && hasBody(req));
}

function flatHeaders(req: GatewayRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = typeof v === "string" ? v : v?.join(", ");
  return out;
}

/**
 * The HTTP face of a node: routing, auth, body parsing, validation errors and the mapping of
 * error codes to statuses. Protocol adapters (node:http `serve`, the test client, Lambda) feed it
 * {@link GatewayRequest}s.
 */
export class Gateway {
  readonly bodyLimit: number;
  private readonly router: Router;
  private readonly cors: Cors | undefined;
  private readonly callOptions: { readonly timeout: number } | undefined;
  private openapiCache: string | undefined;
  /** The JSON writer of each route whose output schema allows one. */
  private readonly writers = new Map<Route, JsonWriter>();

  constructor(
    readonly node: TesseraNode,
    private readonly options: GatewayOptions = {},
  ) {
    for (const r of node.routes) {
      if (builtins.has(r.path)) {
        throw new TesseraError(
          "TESSERA_DEFINITION",
          `${r.entry.id}: route ${r.path} is reserved by the gateway`,
        );
      }
    }
    this.router = new Router(node.routes);
    for (const r of node.routes) {
      const write = writerOf(r);
      if (write !== undefined) this.writers.set(r, write);
    }
    this.bodyLimit = options.bodyLimit ?? 1024 * 1024;
    const timeout = options.requestTimeout ?? 30_000;
    this.callOptions = timeout > 0 ? { timeout } : undefined;
    this.cors = options.cors ? new Cors(options.cors) : undefined;
  }

  /** The OpenAPI 3.1 document of the routes, as an object. */
  openapi(): Record<string, unknown> {
    return openApiDocument(this.node.routes, this.options.openapi, (r) => this.authorizerOf(r) !== undefined);
  }

  /** Answers one request. Never rejects: every failure becomes a JSON error response. */
  handle(req: GatewayRequest): Promise<GatewayResponse> {
    const r = this.process(req);
    return r instanceof Promise ? r : Promise.resolve(r);
  }

  /**
   * {@link handle}, answering synchronously when nothing had to wait (no body, no authorizer, a
   * synchronous handler): the hot path of `serve` then creates no promise at all.
   */
  process(req: GatewayRequest): GatewayResponse | Promise<GatewayResponse> {
    const given = headerOf(req, "x-request-id");
    const requestId = given !== undefined && isSafeId(given) ? given : newRequestId();
    let extra: Record<string, string> | undefined;
    try {
      extra = this.cors?.headers(headerOf(req, "origin"));
      const r = this.route(req, requestId, extra);
      return r instanceof Promise ? r.catch((err: unknown) => this.error(err, requestId, req, extra)) : r;
    } catch (err) {
      return this.error(err, requestId, req, extra);
    }
  }

  private route(
    req: GatewayRequest,
    requestId: string,
    extra: Record<string, string> | undefined,
  ): GatewayResponse | Promise<GatewayResponse> {
    const q = req.url.indexOf("?");
    const path = q === -1 ? req.url : req.url.slice(0, q);
    const method = req.method;

    const match = this.router.match(method, path);
    if (match.kind !== "found") {
      if (builtins.has(path)) return this.builtin(method, path, requestId, extra);
      if (method === "OPTIONS") return this.options_(req, path, requestId, extra);
      if (match.kind === "wrong-method") {
        throw new TesseraError("TESSERA_METHOD_NOT_ALLOWED", `${method} is not allowed on ${path}`, {
          details: { allow: match.allow },
        });
      }
      throw TesseraError.notFound(`no route ${method} ${path}`);
    }
    const { route, params } = match;
    const authorize = this.authorizerOf(route);
    if (authorize === undefined && !takesBody(route, req)) {
      return this.call(route, queryInput(route, req.url, q, params), requestId, undefined, req, extra);
    }
    return this.routeSlow(req, route, params, path, q, authorize, requestId, extra);
  }

  /** The way with something to wait for: an authorizer, or a body. */
  private async routeSlow(
    req: GatewayRequest,
    route: Route,
    params: Readonly<Record<string, string>> | undefined,
    path: string,
    q: number,
    authorize: Authorizer | undefined,
    requestId: string,
    extra: Record<string, string> | undefined,
  ): Promise<GatewayResponse> {
    const identity =
      req.authorized !== undefined
        ? req.authorized === true
          ? undefined
          : req.authorized
        : authorize === undefined
          ? undefined
          : await this.authenticate(authorize, req, route, path);
    let input: unknown;
    if (route.entry.options.rawBody === true && bodyVerbs.has(route.method)) {
      // The entry reads the body itself (e.g. to answer a legacy contract's own errors).
      input = { ...(await readRawBody(req, this.bodyLimit)), ...params };
    } else if (takesBody(route, req)) {
      input = await readJsonBody(req, this.bodyLimit);
      if (params !== undefined) {
        if (input === undefined) input = {};
        if (input === null || typeof input !== "object" || Array.isArray(input)) {
          throw TesseraError.badRequest("the body must be a JSON object on a route with path parameters");
        }
        input = { ...input, ...params };
      }
    } else {
      input = queryInput(route, req.url, q, params);
    }
    return this.call(route, input, requestId, identity, req, extra);
  }

  private call(
    route: Route,
    input: unknown,
    requestId: string,
    identity: Identity | undefined,
    req: GatewayRequest,
    extra: Record<string, string> | undefined,
  ): GatewayResponse | Promise<GatewayResponse> {
    const meta: CallMeta = {
      requestId,
      identity,
      deadline: undefined,
      signal: req.signal === undefined ? undefined : () => req.signal?.(),
      trace: traceOf(req),
    };
    const r = this.node.dispatch(route.entry, input, meta, this.callOptions);
    const write = this.writers.get(route);
    if (r instanceof Promise) return r.then((result) => success(route, result, requestId, extra, write));
    return extra === undefined
      ? jsonSuccess(route, r, requestId, write)
      : success(route, r, requestId, extra, write);
  }

  /**
   * Routing and the route's authorizer, without calling the entry (what an API Gateway Lambda
   * authorizer does): the route and the caller's identity (`undefined` for an anonymous pass or a
   * route without authorizer). Rejects with the gateway's errors: not found, unauthorized, forbidden.
   */
  async authorizeRequest(req: GatewayRequest): Promise<{ route: Route; identity: Identity | undefined }> {
    const q = req.url.indexOf("?");
    const path = q === -1 ? req.url : req.url.slice(0, q);
    const match = this.router.match(req.method, path);
    if (match.kind !== "found") throw TesseraError.notFound(`no route ${req.method} ${path}`);
    const authorize = this.authorizerOf(match.route);
    const identity =
      authorize === undefined ? undefined : await this.authenticate(authorize, req, match.route, path);
    return { route: match.route, identity };
  }

  private authorizerOf(route: Route): Authorizer | undefined {
    if (route.entry.options.noAuth) return undefined;
    return route.service.options.authorize ?? this.options.authorize;
  }

  private async authenticate(
    authorize: Authorizer,
    req: GatewayRequest,
    route: Route,
    path: string,
  ): Promise<Identity | undefined> {
    const token = bearerOf(req);
    if (token === undefined) throw TesseraError.unauthorized("a bearer token is required");
    let verdict: Identity | boolean;
    try {
      verdict = await authorize(token, {
        target: route.entry.id,
        method: req.method,
        path,
        headers: flatHeaders(req),
      });
    } catch (err) {
      if (err instanceof TesseraError) throw err;
      this.node.logger.error(`authorizer of ${route.entry.id} failed`, { err });
      throw new TesseraError("TESSERA_INTERNAL", "internal error", { cause: err });
    }
    if (verdict === false) throw TesseraError.forbidden(`not allowed to call ${route.entry.id}`);
    return verdict === true ? undefined : verdict;
  }

  private builtin(
    method: string,
    path: string,
    requestId: string,
    extra: Record<string, string> | undefined,
  ): GatewayResponse {
    if (method !== "GET" && method !== "HEAD") {
      throw new TesseraError("TESSERA_METHOD_NOT_ALLOWED", `${method} is not allowed on ${path}`, {
        details: { allow: ["GET", "HEAD"] },
      });
    }
    const headers = { ...extra, "x-request-id": requestId, "content-type": JSON_TYPE };
    if (path === "/health") return { status: 200, headers, body: '{"status":"ok"}' };
    if (path === "/ready") {
      const r = this.node.readiness();
      return { status: r.ready ? 200 : 503, headers, body: JSON.stringify(r) };
    }
    if (path === "/registry") return { status: 200, headers, body: JSON.stringify(this.node.topology()) };
    this.openapiCache ??= JSON.stringify(this.openapi());
    return { status: 200, headers, body: this.openapiCache };
  }

  private options_(
    req: GatewayRequest,
    path: string,
    requestId: string,
    extra: Record<string, string> | undefined,
  ): GatewayResponse {
    const allow = this.router.allow(path);
    if (allow === undefined) throw TesseraError.notFound(`no route OPTIONS ${path}`);
    const preflight = this.cors?.preflight(
      headerOf(req, "origin"),
      allow,
      headerOf(req, "access-control-request-headers"),
    );
    return {
      status: 204,
      headers: { ...extra, ...preflight, allow: allow.join(", "), "x-request-id": requestId },
      body: undefined,
    };
  }

  private error(
    err: unknown,
    requestId: string,
    req: GatewayRequest,
    extra: Record<string, string> | undefined,
  ): GatewayResponse {
    let e: TesseraError;
    if (err instanceof URIError) e = TesseraError.badRequest("malformed percent-encoding in the path");
    else e = TesseraError.from(err);
    const status = httpStatusOf[e.code];
    const headers: Record<string, string> = {
      ...extra,
      "x-request-id": requestId,
      "content-type": JSON_TYPE,
    };
    // Handler failures were logged by the serve pipeline; only the gateway's own are new here.
    if (!(err instanceof TesseraError) && !(err instanceof URIError)) {
      this.node.logger.error("gateway failure", { requestId, method: req.method, url: req.url, err });
    }
    if (e.code === "TESSERA_METHOD_NOT_ALLOWED")
      headers.allow = ((e.details as { allow?: string[] })?.allow ?? []).join(", ");
    if (e.code === "TESSERA_UNAUTHORIZED") headers["www-authenticate"] = "Bearer";
    if (status === 503) headers["retry-after"] = "1";
    const body: Record<string, unknown> = { code: e.code, message: e.message, requestId };
    if (e.details !== undefined && e.code !== "TESSERA_INTERNAL") body.details = e.details;
    return { status, headers, body: JSON.stringify({ error: body }) };
  }
}

/**
 * Creates the gateway of a node.
 *
 * @example
 * const gateway = createGateway(node, { bodyLimit: 64 * 1024 });
 * const res = await gateway.handle({ method: "GET", url: "/health", headers: {} });
 */
export function createGateway(node: TesseraNode, options: GatewayOptions = {}): Gateway {
  return new Gateway(node, options);
}
