import { TesseraError } from "../core/errors.js";
import type { EgressSettings } from "../features/flows/egress-policy.js";

/** The environment variables of the egress settings, by setting. */
export const EGRESS_ENV = {
  schemes: "TESSERA_EGRESS_SCHEMES",
  hosts: "TESSERA_EGRESS_HOSTS",
  cidrs: "TESSERA_EGRESS_CIDRS",
  privateAddresses: "TESSERA_EGRESS_PRIVATE",
  listedOnly: "TESSERA_EGRESS_LISTED_ONLY",
} as const;

const lists = ["schemes", "hosts", "cidrs"] as const;
const flags = ["privateAddresses", "listedOnly"] as const;

function flagOf(name: string, raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  throw new TesseraError("TESSERA_CONFIG", `${name}: "${raw}" is not true or false`);
}

/**
 * The egress settings of a stage (see egress-policy.ts): each from its `TESSERA_EGRESS_*` variable
 * (lists comma-separated: `TESSERA_EGRESS_CIDRS=10.20.0.0/16,fd12::/48`), else the stage's
 * `egress`, else the project file's. The values are checked when the flow engine is created.
 *
 * @example
 * resolveEgressSettings({ TESSERA_EGRESS_HOSTS: "billing.internal" }, undefined, { privateAddresses: false })
 * // { hosts: ["billing.internal"], privateAddresses: false }
 */
export function resolveEgressSettings(
  env: Readonly<Record<string, string | undefined>>,
  stage: EgressSettings | undefined,
  project: EgressSettings | undefined,
): EgressSettings {
  const out: { -readonly [K in keyof EgressSettings]: EgressSettings[K] } = {};
  for (const key of lists) {
    const raw = env[EGRESS_ENV[key]];
    const value =
      raw !== undefined && raw !== ""
        ? raw
            .split(",")
            .map((s) => s.trim())
            .filter((s) => s !== "")
        : (stage?.[key] ?? project?.[key]);
    if (value !== undefined) out[key] = value;
  }
  for (const key of flags) {
    const raw = env[EGRESS_ENV[key]];
    const value =
      raw !== undefined && raw !== "" ? flagOf(EGRESS_ENV[key], raw) : (stage?.[key] ?? project?.[key]);
    if (value !== undefined) out[key] = value;
  }
  const resolve = stage?.resolve ?? project?.resolve;
  if (resolve !== undefined) out.resolve = resolve;
  return out;
}
