import { shown } from "../../core/definition-rules.js";
import { type Duration, durationProblem, msOf } from "./duration.js";

/**
 * How long a flow's finished runs are kept (`flow(name, { retention })`): `maxAge` after their end,
 * and at most `maxRuns` of them (the oldest go first); either bound suffices. `false`: kept until
 * pruned by hand. Unset fields take the engine's (`retentionMs`, `retentionRuns`).
 */
export type FlowRetention =
  | false
  | {
      readonly maxAge?: Duration;
      readonly maxRuns?: number;
    };

/** The engine-wide retention: options of `createFlowEngine`, fields of `flowEngine` in the project file. */
export interface EngineRetention {
  /**
   * Finished runs (completed, failed, compensated, cancelled) are deleted this long after they end
   * (default 7 days; a flow's own `retention` wins). `flowEngine.retentionMs`.
   */
  readonly retentionMs?: number | undefined;
  /** At most this many finished runs per flow, the oldest go first (default: no count). `flowEngine.retentionRuns`. */
  readonly retentionRuns?: number | undefined;
  /** Pace of the background pruning of finished runs (default 60 000 ms; 0: by hand only). `flowEngine.pruneEveryMs`. */
  readonly pruneEveryMs?: number | undefined;
}

const retentionKeys = ["maxAge", "maxRuns"];

/**
 * What is wrong with a retention as given (`flow(…, { retention })`, a declared flow's
 * `"retention"`), each problem at its path: `false`, or `{ maxAge, maxRuns }` with a positive
 * duration up to 365 days and a whole number of runs of at least 1. Empty when it is right.
 *
 * @example
 * retentionProblems({ maxAge: "soon" }) // [{ path: ["maxAge"], message: 'must be a positive duration…, got "soon"' }]
 */
export function retentionProblems(v: unknown): { readonly path: string[]; readonly message: string }[] {
  if (v === false) return [];
  if (typeof v !== "object" || v === null || Array.isArray(v))
    return [{ path: [], message: `must be false or { maxAge, maxRuns }, got ${shown(v)}` }];
  const r = v as Record<string, unknown>;
  const extra = Object.keys(r).find((k) => !retentionKeys.includes(k));
  if (extra !== undefined)
    return [{ path: [extra], message: `is not an option (known: ${retentionKeys.join(", ")})` }];
  const out: { path: string[]; message: string }[] = [];
  if (r.maxAge !== undefined && (durationProblem(r.maxAge) !== undefined || msOf(r.maxAge) === 0))
    out.push({
      path: ["maxAge"],
      message: `must be a positive duration up to "365d" (e.g. "7d", "12h", or ms), got ${shown(r.maxAge)}`,
    });
  if (r.maxRuns !== undefined && !(Number.isSafeInteger(r.maxRuns) && (r.maxRuns as number) >= 1))
    out.push({ path: ["maxRuns"], message: `must be a whole number of at least 1, got ${shown(r.maxRuns)}` });
  return out;
}
