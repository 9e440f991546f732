import { TesseraError } from "../core/errors.js";
import type { Authorizer } from "../core/service.js";
import { type ManagementOptions, MIN_TOKEN_LENGTH } from "../features/declared-flows/management-auth.js";

/** The environment variables of the management settings, by setting. */
export const MANAGEMENT_ENV = {
  token: "TESSERA_MANAGEMENT_TOKEN",
  role: "TESSERA_MANAGEMENT_ROLE",
  open: "TESSERA_MANAGEMENT_OPEN",
} as const;

const pick = <T>(...values: (T | undefined)[]): T | undefined =>
  values.find((v) => v !== undefined && v !== "");

/**
 * Who may use the management API of declared flows in a stage (see management-auth.ts): the token
 * from `TESSERA_MANAGEMENT_TOKEN`, else the stage's `management.token`, else the project file's; the
 * role likewise (`TESSERA_MANAGEMENT_ROLE`), checked on `management.authorize` or, when that is not
 * given, on the gateway's `authorize` — which alone (no role) is not taken for management
 * credentials: any user of the application would pass it. `TESSERA_MANAGEMENT_OPEN=true` or
 * `management.open` serves the API without credentials. Undefined when nothing is set.
 *
 * @example
 * resolveManagementSettings({ TESSERA_MANAGEMENT_ROLE: "flows-admin" }, undefined, undefined, jwt({ secret }))
 * // { authorize: <the gateway's jwt>, role: "flows-admin" }
 */
export function resolveManagementSettings(
  env: Readonly<Record<string, string | undefined>>,
  stage: ManagementOptions | undefined,
  project: ManagementOptions | undefined,
  gatewayAuthorize: Authorizer | undefined,
): ManagementOptions | undefined {
  const token = pick(env[MANAGEMENT_ENV.token], stage?.token, project?.token);
  // A token from the environment is judged under the variable's name (the setting's read wrong).
  const fromEnv = env[MANAGEMENT_ENV.token];
  if (fromEnv !== undefined && fromEnv !== "" && fromEnv.length < MIN_TOKEN_LENGTH)
    throw new TesseraError(
      "TESSERA_CONFIG",
      `${MANAGEMENT_ENV.token} must be at least ${MIN_TOKEN_LENGTH} characters (it has ${fromEnv.length}; e.g. openssl rand -hex 32)`,
    );
  const role = pick(env[MANAGEMENT_ENV.role], stage?.role, project?.role);
  const openRaw = env[MANAGEMENT_ENV.open];
  let open = stage?.open ?? project?.open;
  if (openRaw !== undefined && openRaw !== "") {
    const v = openRaw.trim().toLowerCase();
    if (v !== "true" && v !== "false")
      throw new TesseraError("TESSERA_CONFIG", `${MANAGEMENT_ENV.open}: "${openRaw}" is not true or false`);
    open = v === "true";
  }
  const own = stage?.authorize ?? project?.authorize;
  const authorize = own ?? (role === undefined ? undefined : gatewayAuthorize);
  const out = {
    ...(token === undefined ? {} : { token }),
    ...(authorize === undefined ? {} : { authorize }),
    ...(role === undefined ? {} : { role }),
    ...(open === undefined ? {} : { open }),
  };
  return Object.keys(out).length === 0 ? undefined : out;
}
