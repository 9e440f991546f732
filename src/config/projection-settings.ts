import { TesseraError } from "../core/errors.js";
import type { ProjectionLeaseOptions } from "../features/eventsourcing/projection-lease.js";

/** The environment variables of the projection lease, by setting. */
export const PROJECTIONS_ENV = {
  leaseMs: "TESSERA_PROJECTIONS_LEASE_MS",
  renewMs: "TESSERA_PROJECTIONS_RENEW_MS",
  pollMs: "TESSERA_PROJECTIONS_POLL_MS",
} as const;

function ms(raw: string | number, from: string): number {
  const v = typeof raw === "number" ? raw : raw.trim() === "" ? Number.NaN : Number(raw);
  if (!(Number.isFinite(v) && v > 0))
    throw new TesseraError("TESSERA_CONFIG", `${from}: "${raw}" is not a number of milliseconds`);
  return v;
}

/**
 * The lease of a project's async projections (one node runs each, issue 15 item 5): each setting
 * from its `TESSERA_PROJECTIONS_*` variable, else the project file's `eventSourcing.projectionLease`;
 * a value that is not a positive number is refused (`TESSERA_CONFIG`, naming where it came from),
 * and so is a renewal not shorter than the lease.
 * Unset: the runtime's defaults (5 s lease).
 *
 * @example
 * resolveProjectionLease({ TESSERA_PROJECTIONS_LEASE_MS: "3000" }, { pollMs: 500 })
 * // { leaseMs: 3000, pollMs: 500 }
 */
export function resolveProjectionLease(
  env: Readonly<Record<string, string | undefined>>,
  project: ProjectionLeaseOptions | undefined,
): ProjectionLeaseOptions {
  const out: { -readonly [K in keyof ProjectionLeaseOptions]: number } = {};
  // Where each value came from, so that a refusal names the variable or the field that was set.
  const from: Partial<Record<keyof ProjectionLeaseOptions, string>> = {};
  for (const key of Object.keys(PROJECTIONS_ENV) as (keyof ProjectionLeaseOptions)[]) {
    const fromEnv = env[PROJECTIONS_ENV[key]];
    if (fromEnv !== undefined && fromEnv !== "") {
      from[key] = PROJECTIONS_ENV[key];
      out[key] = ms(fromEnv, PROJECTIONS_ENV[key]);
    } else if (project?.[key] !== undefined) {
      from[key] = `eventSourcing.projectionLease.${key}`;
      out[key] = ms(project[key], from[key]);
    }
  }
  const lease = out.leaseMs ?? 5000;
  if (out.renewMs !== undefined && out.renewMs >= lease) {
    const leaseFrom = from.leaseMs === undefined ? "the default lease" : `the lease (${from.leaseMs})`;
    throw new TesseraError(
      "TESSERA_CONFIG",
      `${from.renewMs} (${out.renewMs}) must be shorter than ${leaseFrom}: ${lease} ms, or every lease ends before its renewal`,
      { details: { name: from.renewMs } },
    );
  }
  return out;
}
