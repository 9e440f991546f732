import { TesseraError } from "../../core/errors.js";
import type { Identity } from "../../core/identity.js";
import type { Logger } from "../../core/logger.js";
import type { Gateway } from "../../features/gateway/gateway.js";
import { identityContext } from "./authorizer-context.js";
import type { AuthorizerEvent, AuthorizerResult, RequestAuthorizerEvent } from "./lambda-events.js";
import { parseMethodArn } from "./method-arn.js";

/** API Gateway answers 401 when an authorizer fails with exactly this message. */
export const UNAUTHORIZED = "Unauthorized";

function policy(
  effect: "Allow" | "Deny",
  resource: string,
  principalId: string,
  context?: Record<string, string | number | boolean>,
): AuthorizerResult {
  const doc = {
    Version: "2012-10-17",
    Statement: [{ Action: "execute-api:Invoke", Effect: effect, Resource: resource }],
  } as const;
  return context === undefined
    ? { principalId, policyDocument: doc }
    : { principalId, policyDocument: doc, context };
}

function lowerHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof headers !== "object" || headers === null) return out;
  for (const [k, v] of Object.entries(headers)) if (typeof v === "string") out[k.toLowerCase()] = v;
  return out;
}

/** The method and path being called: the event's own fields when it has them, else the ARN's. */
function target(event: AuthorizerEvent): { method: string; path: string } | undefined {
  if (event.type === "REQUEST") {
    const e = event as RequestAuthorizerEvent;
    if (typeof e.httpMethod === "string" && typeof e.path === "string")
      return { method: e.httpMethod, path: e.path };
    const http = e.requestContext?.http;
    if (typeof http?.method === "string" && typeof e.rawPath === "string") {
      const stage = e.requestContext?.stage;
      let path = e.rawPath;
      if (typeof stage === "string" && stage !== "$default" && path.startsWith(`/${stage}/`))
        path = path.slice(stage.length + 1);
      return { method: http.method, path };
    }
  }
  const arn = parseMethodArn(
    (event as { methodArn?: unknown; routeArn?: unknown }).methodArn ??
      (event as RequestAuthorizerEvent).routeArn,
  );
  return arn === undefined ? undefined : { method: arn.method, path: arn.path };
}

/**
 * Answers an API Gateway TOKEN or REQUEST authorizer event with the service's own authorizer (the
 * one the gateway runs): routing finds the entry, its authorizer checks the bearer token. Allowed:
 * a policy allowing exactly this method, with the identity in `context` (see `identityContext`).
 * Refused (`false`, a forbidden or unknown route, a malformed event): a Deny policy (403). No or a
 * rejected token: throws `Unauthorized`, which API Gateway answers with 401.
 */
export async function authorizerResult(
  gateway: Gateway,
  event: AuthorizerEvent,
  logger: Logger,
): Promise<AuthorizerResult> {
  const arn = (event as { methodArn?: unknown }).methodArn ?? (event as RequestAuthorizerEvent).routeArn;
  const resource = typeof arn === "string" ? arn : "*";
  const called = target(event);
  if (called === undefined) {
    logger.warn("authorizer event without a method ARN or a method and path: denied", { type: event.type });
    return policy("Deny", resource, "invalid-event");
  }
  const headers = event.type === "REQUEST" ? lowerHeaders(event.headers) : {};
  if (event.type === "TOKEN" && typeof event.authorizationToken === "string")
    headers.authorization = event.authorizationToken;
  let identity: Identity | undefined;
  try {
    ({ identity } = await gateway.authorizeRequest({
      method: called.method.toUpperCase(),
      url: called.path,
      headers,
    }));
  } catch (err) {
    const code = err instanceof TesseraError ? err.code : undefined;
    if (code === "TESSERA_UNAUTHORIZED") throw new Error(UNAUTHORIZED);
    if (code === undefined || code === "TESSERA_INTERNAL" || code === "TESSERA_TIMEOUT") throw err;
    logger.info("authorizer denied", { method: called.method, path: called.path, code });
    return policy("Deny", resource, "denied");
  }
  const principal = typeof identity?.sub === "string" && identity.sub !== "" ? identity.sub : "anonymous";
  return policy("Allow", resource, principal, identityContext(identity));
}
