import type { CallMeta } from "../../core/call-meta.js";
import { TesseraError } from "../../core/errors.js";
import type { Identity } from "../../core/identity.js";
import { isSafeId, newRequestId } from "../../core/ids.js";
import type { TesseraNode } from "../../core/node.js";
import type { Route } from "../../core/routes.js";
import type { Authorizer } from "../../core/service.js";
import { TraceRoot } from "../../core/trace-context.js";
import { parseTraceparent, type TraceParent, traceHeaders } from "../../core/traceparent.js";
import { parseOptions } from "../definition-options.js";
import { jsonSuccess, success, writerOf } from "./answers.js";
import { authenticate, authorizerOf, checkAuthorizers } from "./authenticate.js";
import { BuiltinEndpoints } from "./builtin-endpoints.js";
import { Cors, type CorsOptions } from "./cors.js";
import { errorAnswer } from "./error-answer.js";
import { gatewayOptionsSchema } from "./gateway-options-schema.js";
import { type GatewayRequest, headerOf } from "./gateway-request.js";
import type { GatewayResponse } from "./gateway-response.js";
import { idempotencyKeyOf } from "./idempotency-key.js";
import type { JsonWriter } from "./json-writer.js";
import { type OpenApiInfo, openApiDocument } from "./openapi.js";
import { readJsonBody, readRawBody } from "./request-body.js";
import { queryInput, takesBody, takesRawBody, withParams } from "./route-input.js";
import { Router } from "./router.js";

// The request and response types are the gateway's face: importers of the gateway find them here.

export interface GatewayOptions {
  /** Largest accepted body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /**
   * Deadline of one request in ms (default 30 000; 0 for none), from its headers: past it the
   * answer is 504, or 408 while its body is still arriving (see request-bounds.ts).
   */
  readonly requestTimeout?: number;
  readonly cors?: CorsOptions;
  /** Authorizer of services that have none of their own. */
  readonly authorize?: Authorizer;
  /** Title and version of the OpenAPI document. */
  readonly openapi?: OpenApiInfo;
}

/**
 * The caller's trace: a valid `traceparent` (with its `tracestate`) continues it; without one, or
 * with a malformed one, a new trace starts here (its id drawn only if something reads it).
 */
function traceOf(req: GatewayRequest): TraceParent {
  const parent = req.headers[traceHeaders.parent];
  if (typeof parent !== "string") return new TraceRoot();
  return parseTraceparent(parent, req.headers[traceHeaders.state]) ?? new TraceRoot();
}

/**
 * The HTTP face of a node: routing, auth, body parsing, validation errors and the mapping of
 * error codes to statuses. Protocol adapters (node:http `serve`, the test client, Lambda) feed it
 * {@link GatewayRequest}s.
 */
export class Gateway {
  readonly bodyLimit: number;
  private readonly router: Router;
  private readonly builtins: BuiltinEndpoints;
  private readonly cors: Cors | undefined;
  private readonly callOptions: { readonly timeout: number } | undefined;
  /** The JSON writer of each route whose output schema allows one. */
  private readonly writers = new Map<Route, JsonWriter>();

  constructor(
    readonly node: TesseraNode,
    private readonly options: GatewayOptions = {},
  ) {
    parseOptions("gateway", gatewayOptionsSchema, options);
    this.builtins = new BuiltinEndpoints(node, () => this.openapi());
    checkAuthorizers(node.routes, options.authorize);
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
    return openApiDocument(
      this.node.routes,
      this.options.openapi,
      (r) => authorizerOf(r, this.options.authorize) !== undefined,
    );
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
      return r instanceof Promise
        ? r.catch((err: unknown) => errorAnswer(err, requestId, req, extra, this.node.logger))
        : r;
    } catch (err) {
      return errorAnswer(err, requestId, req, extra, this.node.logger);
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
      if (this.builtins.has(path)) return this.builtins.answer(method, path, requestId, extra);
      if (method === "OPTIONS") return this.options_(req, path, requestId, extra);
      if (match.kind === "wrong-method") {
        throw new TesseraError("TESSERA_METHOD_NOT_ALLOWED", `${method} is not allowed on ${path}`, {
          details: { allow: match.allow },
        });
      }
      throw TesseraError.notFound(`no route ${method} ${path}`);
    }
    const { route, params } = match;
    const authorize = authorizerOf(route, this.options.authorize);
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
          : await authenticate(authorize, req, route, path, this.node.logger);
    let input: unknown;
    if (takesRawBody(route)) input = { ...(await readRawBody(req, this.bodyLimit)), ...params };
    else if (takesBody(route, req)) input = withParams(await readJsonBody(req, this.bodyLimit), params);
    else input = queryInput(route, req.url, q, params);
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
      // The time the body took to arrive is part of the deadline.
      deadline:
        req.receivedAt === undefined || this.callOptions === undefined
          ? undefined
          : req.receivedAt + this.callOptions.timeout,
      signal: req.signal === undefined ? undefined : () => req.signal?.(),
      trace: traceOf(req),
      idempotencyKey: idempotencyKeyOf(req, route, identity),
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
    const authorize = authorizerOf(match.route, this.options.authorize);
    const identity =
      authorize === undefined
        ? undefined
        : await authenticate(authorize, req, match.route, path, this.node.logger);
    return { route: match.route, identity };
  }

  /** OPTIONS on a route's path: the verbs it allows, with the CORS preflight headers when configured. */
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
