import { createHash, timingSafeEqual } from "node:crypto";
import { TesseraError } from "../../core/errors.js";
import type { Identity } from "../../core/identity.js";
import type { Authorizer } from "../../core/service.js";

/**
 * Who may use the management API of declared flows (`/declared/*`, machinery's `/s`, `/w`, `/e`):
 * a bearer token, an authorizer (e.g. the gateway's `jwt({...})`) with a role, or both (either
 * passes). Without any, the API is open in the `dev` stage only: a node in another stage refuses to
 * start unless `open: true` says so.
 *
 * @example
 * createDeclaredFlows({ engine, store, management: { authorize: jwt({ jwksUrl }), role: "flows-admin" } });
 */
export interface ManagementOptions {
  /** A token callers send as `Authorization: Bearer <token>` (at least 16 characters). */
  readonly token?: string;
  /** An authorizer whose verdict lets a caller in (e.g. `jwt({...})`, the gateway's own). */
  readonly authorize?: Authorizer;
  /**
   * With `authorize`: a role the caller's identity must hold, in its `roles` claim (a list, or a
   * space- or comma-separated string) or its `role` claim. Else 403.
   */
  readonly role?: string;
  /** Serve the API without credentials outside `dev` too (only behind something that guards it). */
  readonly open?: boolean;
}

/** The shortest accepted token: shorter ones can be guessed. */
export const MIN_TOKEN_LENGTH = 16;

/** The setting that names a stage's management token (see config/management-settings.ts). */
const TOKEN_SETTING = "TESSERA_MANAGEMENT_TOKEN";

function problemsOf(o: ManagementOptions): string[] {
  const problems: string[] = [];
  if (o.token !== undefined && (typeof o.token !== "string" || o.token.length < MIN_TOKEN_LENGTH))
    problems.push(
      `management.token must be a string of at least ${MIN_TOKEN_LENGTH} characters (e.g. openssl rand -hex 32)`,
    );
  if (o.authorize !== undefined && typeof o.authorize !== "function")
    problems.push(
      "management.authorize must be a function (token, request) => identity | boolean, e.g. jwt({…})",
    );
  if (o.role !== undefined && (typeof o.role !== "string" || o.role.trim() === ""))
    problems.push("management.role must be a non-empty string");
  else if (o.role !== undefined && o.authorize === undefined)
    problems.push("management.role needs an authorizer: management.authorize, or the gateway's authorize");
  if (o.open !== undefined && typeof o.open !== "boolean")
    problems.push("management.open must be true or false");
  else if (o.open === true && (o.token !== undefined || o.authorize !== undefined))
    problems.push("management.open cannot be true with a token or an authorizer");
  return problems;
}

/** Whether an identity holds `role`: its `roles` claim (list or string) or its `role` claim. */
export function hasRole(identity: Identity | boolean, role: string): boolean {
  if (typeof identity !== "object" || identity === null) return false;
  const { roles, role: one } = identity as { roles?: unknown; role?: unknown };
  const listed = Array.isArray(roles) ? roles : typeof roles === "string" ? roles.split(/[\s,]+/) : [];
  return listed.includes(role) || one === role;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * The authorizer of the management API for `options`, or undefined when none is asked for (the
 * API is then open, or guarded by the gateway's own `authorize`). The token is compared in
 * constant time; invalid options are `TESSERA_CONFIG` listing every problem.
 *
 * @example
 * const authorize = managementAuthorizer({ token: process.env.TESSERA_MANAGEMENT_TOKEN });
 */
export function managementAuthorizer(options: ManagementOptions | undefined): Authorizer | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null)
    throw new TesseraError(
      "TESSERA_CONFIG",
      "management must be an object: { token } or { authorize, role }",
    );
  const problems = problemsOf(options);
  if (problems.length > 0)
    throw new TesseraError("TESSERA_CONFIG", `invalid management settings: ${problems.join("; ")}`, {
      details: { problems },
    });
  const { token, authorize, role } = options;
  if (token === undefined && authorize === undefined) return undefined;
  const expected = token === undefined ? undefined : digest(token);
  return async (bearer, request) => {
    if (expected !== undefined && timingSafeEqual(digest(bearer), expected))
      return { sub: "management-token" };
    if (authorize === undefined)
      throw TesseraError.unauthorized("the bearer token is not the management token");
    const identity = await authorize(bearer, request);
    if (identity === false || role === undefined) return identity;
    if (!hasRole(identity, role)) throw TesseraError.forbidden(`the management API needs the role "${role}"`);
    return identity;
  };
}

/**
 * Refuses to start a node whose management API would answer anyone outside the `dev` stage
 * (`TESSERA_CONFIG` naming the settings to set), unless `open: true` says it is meant.
 *
 * @example
 * checkManagementStage(options.management, node.stage);
 */
export function checkManagementStage(options: ManagementOptions | undefined, stage: string): void {
  if (stage === "dev" || options?.open === true) return;
  if (options?.token !== undefined || options?.authorize !== undefined) return;
  throw new TesseraError(
    "TESSERA_CONFIG",
    `declared flows in stage "${stage}": the management API (/declared/*, /s, /w, /e) would answer anyone. ` +
      `Set ${TOKEN_SETTING} (or management.token in the project file), or management.authorize ` +
      `(e.g. jwt({…})) with a management.role — createDeclaredFlows({ management }) in code; ` +
      "management.open: true serves it without credentials",
    { details: { stage, setting: TOKEN_SETTING } },
  );
}
