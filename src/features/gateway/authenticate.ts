import { TesseraError } from "../../core/errors.js";
import type { Identity } from "../../core/identity.js";
import type { Logger } from "../../core/logger.js";
import type { Route } from "../../core/routes.js";
import type { Authorizer } from "../../core/service.js";
import { type GatewayRequest, headerOf } from "./gateway-request.js";

// Authentication at the edge: which authorizer guards a route, the bearer token it is given, and
// its verdict turned into the gateway's errors (401 without a token, 403 on `false`).

function bearerOf(req: GatewayRequest): string | undefined {
  const auth = headerOf(req, "authorization");
  if (auth === undefined) return undefined;
  const space = auth.indexOf(" ");
  if (space === -1 || auth.slice(0, space).toLowerCase() !== "bearer") return undefined;
  const token = auth.slice(space + 1).trim();
  return token === "" ? undefined : token;
}

function flatHeaders(req: GatewayRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = typeof v === "string" ? v : v?.join(", ");
  return out;
}

/**
 * The authorizer of a route: its service's, else the gateway's `fallback`; none for a `noAuth` entry.
 *
 * @example
 * const authorize = authorizerOf(route, options.authorize);
 */
export function authorizerOf(route: Route, fallback: Authorizer | undefined): Authorizer | undefined {
  if (route.entry.options.noAuth) return undefined;
  return route.service.options.authorize ?? fallback;
}

/**
 * Refuses, when the gateway is created, an `authorize` option that is not a function (the gateway's
 * own, or a service's): otherwise every request to its routes would fail with a TypeError.
 *
 * @example
 * checkAuthorizers(node.routes, options.authorize);
 */
export function checkAuthorizers(routes: readonly Route[], fallback: unknown): void {
  if (fallback !== undefined && typeof fallback !== "function")
    throw notAFunction("authorize", "the gateway's authorize option");
  for (const { service } of routes) {
    const own: unknown = service.options.authorize;
    if (own !== undefined && typeof own !== "function")
      throw notAFunction(`${service.name}.authorize`, `service ${service.name}: authorize`);
  }
}

function notAFunction(name: string, what: string): TesseraError {
  return new TesseraError(
    "TESSERA_DEFINITION",
    `${what} must be a function (token, request) => identity | boolean, e.g. jwt({ … })`,
    { details: { name } },
  );
}

/**
 * Runs `authorize` on the request's bearer token: the caller's identity (`undefined` for an
 * anonymous pass). Rejects with `TESSERA_UNAUTHORIZED` without a token, `TESSERA_FORBIDDEN` on a
 * `false` verdict; an authorizer that fails with anything but a TesseraError is logged and answered
 * as `TESSERA_INTERNAL`.
 *
 * @example
 * const identity = await authenticate(authorize, req, route, path, node.logger);
 */
export async function authenticate(
  authorize: Authorizer,
  req: GatewayRequest,
  route: Route,
  path: string,
  logger: Logger,
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
    logger.error(`authorizer of ${route.entry.id} failed`, { err });
    throw new TesseraError("TESSERA_INTERNAL", "internal error", { cause: err });
  }
  if (verdict === false) throw TesseraError.forbidden(`not allowed to call ${route.entry.id}`);
  return verdict === true ? undefined : verdict;
}
