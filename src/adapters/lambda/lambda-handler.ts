import { TesseraError } from "../../core/errors.js";
import { newRequestId } from "../../core/ids.js";
import { createLogger, type Logger } from "../../core/logger.js";
import type { TesseraNode } from "../../core/node.js";
import { createGateway, type Gateway, type GatewayOptions } from "../../features/gateway/gateway.js";
import {
  type AsyncEvent,
  asyncRequest,
  type ResultEvent,
  resultKeyOf,
  storedResult,
} from "./async-invocation.js";
import { authorizerResult } from "./authorizer.js";
import { kindOf } from "./event-kind.js";
import { fromAlb, fromV1, fromV2, type LambdaRequest, type RequestOptions } from "./http-request.js";
import { errorResponse, type ResultFormat, toResult } from "./http-result.js";
import type {
  AlbEvent,
  ApiGatewayV1Event,
  ApiGatewayV2Event,
  AuthorizerEvent,
  LambdaContext,
  LambdaHttpResult,
} from "./lambda-events.js";
import type { ResultStore } from "./result-store.js";

export interface LambdaOptions {
  /**
   * Creates the node on the first invocation, not at import: a cold start pays only for what the
   * first request needs, and connections (a NATS transport…) open then.
   */
  readonly node: () => TesseraNode | Promise<TesseraNode>;
  /** The gateway's options (body limit, request timeout, CORS, a default authorizer…). */
  readonly gateway?: GatewayOptions;
  /** Where asynchronous invocations store their responses (a store, or a function creating it on first use). */
  readonly results?: ResultStore | (() => ResultStore);
  /**
   * Take the verdict of this handler's API Gateway authorizer from the request context instead of
   * checking the token again (default true; API Gateway alone sets the request context).
   */
  readonly trustAuthorizer?: boolean;
  /** Remove the stage name that HTTP APIs put first in `rawPath` for a named stage (default true). */
  readonly stripStage?: boolean;
  /** Where the handler logs before its node exists (a failed start); then the node's logger. */
  readonly logger?: Logger;
}

/** A Lambda handler: `export const handler = lambdaHandler({...})`. */
export type LambdaHandler = (event: unknown, context?: LambdaContext) => Promise<unknown>;

/** What an asynchronous invocation or a read of its result answers when it cannot. */
export interface LambdaError {
  readonly error: { readonly code: string; readonly message: string };
}

interface Runtime {
  readonly node: TesseraNode;
  readonly gateway: Gateway;
  readonly results: ResultStore | undefined;
}

function requestIdOf(event: unknown, context: LambdaContext | undefined): string {
  const id = (event as { requestContext?: { requestId?: unknown } } | null)?.requestContext?.requestId;
  if (typeof id === "string" && id !== "") return id;
  return context?.awsRequestId ?? newRequestId();
}

function lambdaError(err: unknown): LambdaError {
  const e = TesseraError.from(err);
  return { error: { code: e.code, message: e.message } };
}

/**
 * The Lambda handler of a node: API Gateway REST (v1) and HTTP API (v2) events, ALB events, API
 * Gateway TOKEN/REQUEST authorizer events, and Tesserae's asynchronous invocations, through the
 * same gateway as `serve` (routing, auth, validation, error mapping). It never throws for a bad
 * event: the answer is a 400 in the event's own format.
 *
 * @example
 * export const handler = lambdaHandler({
 *   node: () => createNode({ services: [text], transport: memoryTransport(), stage: process.env.TESSERA_STAGE }),
 *   results: () => fileResultStore({ dir: "/tmp/results" }),
 * });
 */
export function lambdaHandler(options: LambdaOptions): LambdaHandler {
  const requestOptions: RequestOptions = {
    trustAuthorizer: options.trustAuthorizer ?? true,
    stripStage: options.stripStage ?? true,
  };
  let starting: Promise<Runtime> | undefined;
  let rt: Runtime | undefined;
  let fallbackLogger: Logger | undefined;
  const logger = (): Logger => {
    if (rt !== undefined) return rt.node.logger;
    fallbackLogger ??= options.logger ?? createLogger();
    return fallbackLogger;
  };

  const start = async (): Promise<Runtime> => {
    const node = await options.node();
    const gateway = createGateway(node, options.gateway);
    if (node.status === "created") await node.start();
    const results = typeof options.results === "function" ? options.results() : options.results;
    rt = { node, gateway, results };
    return rt;
  };
  const runtime = (): Promise<Runtime> => {
    starting ??= start().catch((err: unknown) => {
      // The next invocation tries again (a broker that was down may be back). The caller learns
      // that the service is unavailable; the reason (a config error…) goes to the logs only.
      starting = undefined;
      logger().error("the service failed to start", { err });
      throw TesseraError.unavailable("the service failed to start");
    });
    return starting;
  };

  const http = async (
    build: () => LambdaRequest,
    format: ResultFormat,
    event: unknown,
    context: LambdaContext | undefined,
  ): Promise<LambdaHttpResult> => {
    let req: LambdaRequest;
    try {
      req = build();
    } catch (err) {
      return toResult(errorResponse(err, requestIdOf(event, context)), format);
    }
    let r = (rt ?? (await runtime())).gateway.process(req);
    if (r instanceof Promise) r = await r;
    return toResult(r, format);
  };

  const runAsync = async (event: AsyncEvent): Promise<unknown> => {
    let key: string;
    try {
      key = resultKeyOf(event);
    } catch (err) {
      logger().warn("async invocation refused: no valid result key", { err });
      return lambdaError(err);
    }
    const { gateway, results } = rt ?? (await runtime());
    if (results === undefined) {
      logger().error("async invocation without a result store: give `results` to lambdaHandler", { key });
      return lambdaError(new TesseraError("TESSERA_CONFIG", "no result store is configured"));
    }
    // Lambda delivers an event at least once: a key already answered is not run again.
    const existing = await results.get(key);
    if (existing !== undefined) {
      logger().info("async invocation already answered: not run again", { key });
      return existing;
    }
    let response: Awaited<ReturnType<Gateway["handle"]>>;
    try {
      response = await gateway.handle(asyncRequest(event));
    } catch (err) {
      response = errorResponse(err, newRequestId());
    }
    const record = storedResult(key, response);
    // A failure to store is thrown: Lambda retries the event (the entry may then run again).
    await results.put(record);
    return record;
  };

  const readResult = async (event: ResultEvent): Promise<unknown> => {
    const key = resultKeyOf(event);
    const { results } = rt ?? (await runtime());
    if (results === undefined) throw new TesseraError("TESSERA_CONFIG", "no result store is configured");
    return (await results.get(key)) ?? lambdaError(TesseraError.notFound(`no result under ${key} (yet)`));
  };

  const formatOf = (event: unknown, kind: string): ResultFormat =>
    kind !== "alb" ? "api" : (event as AlbEvent).multiValueHeaders != null ? "alb-multi" : "alb";

  return async (event: unknown, context?: LambdaContext): Promise<unknown> => {
    const kind = kindOf(event);
    try {
      switch (kind.kind) {
        case "v2":
          return await http(
            () => fromV2(event as ApiGatewayV2Event, requestOptions, context),
            "api",
            event,
            context,
          );
        case "v1":
          return await http(
            () => fromV1(event as ApiGatewayV1Event, requestOptions, context),
            "api",
            event,
            context,
          );
        case "alb":
          return await http(
            () => fromAlb(event as AlbEvent, context),
            formatOf(event, "alb"),
            event,
            context,
          );
        case "authorizer":
          return await authorizerResult(
            (rt ?? (await runtime())).gateway,
            event as AuthorizerEvent,
            logger(),
          );
        case "async":
          return await runAsync(event as AsyncEvent);
        case "result":
          return await readResult(event as ResultEvent).catch(lambdaError);
        case "invalid":
          logger().warn("unrecognised Lambda event", { reason: kind.message });
          return toResult(
            errorResponse(TesseraError.badRequest(kind.message), requestIdOf(event, context)),
            "api",
          );
      }
    } catch (err) {
      // Authorizers and async invocations report failures to Lambda (401, retries); HTTP events get an answer.
      if (kind.kind === "authorizer" || kind.kind === "async") throw err;
      if (!(err instanceof TesseraError))
        logger().error("lambda invocation failed", { err, kind: kind.kind });
      return toResult(errorResponse(err, requestIdOf(event, context)), formatOf(event, kind.kind));
    }
  };
}
