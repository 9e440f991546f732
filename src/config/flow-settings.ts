import { TesseraError } from "../core/errors.js";

/**
 * How a node's flow engine shares the work and hands it over (issue 15: the 30 s lease could not be
 * set, so a dead node's runs waited 30 s), and how long it keeps finished runs (issue 19: they
 * were never deleted). In the project file under `flowEngine` (the stage's
 * section wins), each overridden by its `TESSERA_FLOWS_*` variable. Unset: the engine's defaults.
 */
export interface FlowEngineSettings {
  /** How long a node holds a run without renewing: a dead node's runs move after it (default 4000). */
  readonly leaseMs?: number;
  /** How often the leases are renewed, one statement for all (default a quarter of `leaseMs`). */
  readonly renewMs?: number;
  /** How often an idle node looks for due runs (default 500). */
  readonly pollMs?: number;
  /** Runs executing at once on a node (default 100). */
  readonly concurrency?: number;
  /** Runs taken per claim; past this many, runs started on a node wait for any node (default concurrency/10). */
  readonly claimBatch?: number;
  /** On SIGTERM, how long the steps in flight may take to finish before the node lets go (default 5000). */
  readonly stopGraceMs?: number;
  /** Finished runs are deleted this long after they end (default 7 days); a flow's own `retention` wins. */
  readonly retentionMs?: number;
  /** At most this many finished runs per flow, the oldest deleted first (default: no count). */
  readonly retentionRuns?: number;
  /** How often the finished runs past their retention are pruned (default 60000; 0: by hand only). */
  readonly pruneEveryMs?: number;
  /**
   * Takeovers in a row without progress after which a run fails instead of being resumed again (a
   * step that never awaits freezes every node that resumes it; default 5); a flow's own budget wins.
   */
  readonly takeovers?: number;
}

/** The environment variables of the flow engine settings, by setting. */
export const FLOWS_ENV = {
  leaseMs: "TESSERA_FLOWS_LEASE_MS",
  renewMs: "TESSERA_FLOWS_RENEW_MS",
  pollMs: "TESSERA_FLOWS_POLL_MS",
  concurrency: "TESSERA_FLOWS_CONCURRENCY",
  claimBatch: "TESSERA_FLOWS_CLAIM_BATCH",
  stopGraceMs: "TESSERA_FLOWS_STOP_GRACE_MS",
  retentionMs: "TESSERA_FLOWS_RETENTION_MS",
  retentionRuns: "TESSERA_FLOWS_RETENTION_RUNS",
  pruneEveryMs: "TESSERA_FLOWS_PRUNE_EVERY_MS",
  takeovers: "TESSERA_FLOWS_TAKEOVERS",
} as const;

const integers = new Set<keyof FlowEngineSettings>([
  "concurrency",
  "claimBatch",
  "retentionRuns",
  "takeovers",
]);
/** Settings where 0 means something (no grace; no background pruning). */
const zeroes = new Set<keyof FlowEngineSettings>(["stopGraceMs", "pruneEveryMs"]);

function settingValue(key: keyof FlowEngineSettings, raw: string | number, from: string): number {
  const v = typeof raw === "number" ? raw : raw.trim() === "" ? Number.NaN : Number(raw);
  const ok =
    Number.isFinite(v) &&
    (zeroes.has(key) ? v >= 0 : v > 0) &&
    (!integers.has(key) || Number.isInteger(v)) &&
    (key !== "retentionMs" || Number.isSafeInteger(v));
  if (!ok) {
    const what = integers.has(key)
      ? "a whole number of at least 1"
      : key === "retentionMs"
        ? "a whole number of milliseconds (e.g. 604800000 for 7 days)"
        : "a number of milliseconds";
    throw new TesseraError("TESSERA_CONFIG", `${from}: "${raw}" is not ${what}`);
  }
  return v;
}

/**
 * The flow engine settings of a stage: each from its `TESSERA_FLOWS_*` variable, else the stage's
 * `flowEngine`, else the project file's; a value that is not a positive number is refused
 * (`TESSERA_CONFIG`, naming where it came from), and so is a renewal not shorter than the lease.
 *
 * @example
 * resolveFlowSettings({ TESSERA_FLOWS_LEASE_MS: "6000" }, undefined, { pollMs: 250 })
 * // { leaseMs: 6000, pollMs: 250 }
 */
export function resolveFlowSettings(
  env: Readonly<Record<string, string | undefined>>,
  stage: FlowEngineSettings | undefined,
  project: FlowEngineSettings | undefined,
): FlowEngineSettings {
  const out: { -readonly [K in keyof FlowEngineSettings]: number } = {};
  // Where each value came from, so that a refusal names the variable or the field that was set.
  const from: Partial<Record<keyof FlowEngineSettings, string>> = {};
  for (const key of Object.keys(FLOWS_ENV) as (keyof FlowEngineSettings)[]) {
    const fromEnv = env[FLOWS_ENV[key]];
    if (fromEnv !== undefined && fromEnv !== "") {
      from[key] = FLOWS_ENV[key];
      out[key] = settingValue(key, fromEnv, from[key]);
    } else if (stage?.[key] !== undefined) {
      from[key] = `flowEngine.${key} of the stage`;
      out[key] = settingValue(key, stage[key], from[key]);
    } else if (project?.[key] !== undefined) {
      from[key] = `flowEngine.${key}`;
      out[key] = settingValue(key, project[key], from[key]);
    }
  }
  const lease = out.leaseMs ?? 4000;
  if (out.renewMs !== undefined && out.renewMs >= lease) {
    const leaseFrom = from.leaseMs === undefined ? "the default lease" : `the lease (${from.leaseMs})`;
    throw new TesseraError(
      "TESSERA_CONFIG",
      `${from.renewMs} (${out.renewMs}) must be shorter than ${leaseFrom}: ${lease} ms, or every lease expires before its renewal`,
      { details: { name: from.renewMs } },
    );
  }
  return out;
}
