import type { Logger } from "../../core/logger.js";
import type { FlowStore } from "../../ports/flow-store.js";
import type { FlowBudget } from "./budget.js";
import type { CallbackPolicy } from "./callback.js";
import type { EgressSettings } from "./egress-policy.js";
import type { FlowDef } from "./flow.js";
import type { EngineRetention } from "./retention-option.js";

/** The engine's options; its retention of finished runs (`retentionMs`…) is in retention-option.ts. */
export interface FlowEngineOptions extends EngineRetention {
  readonly store: FlowStore;
  readonly flows: readonly FlowDef[];
  /**
   * This worker's id, the owner of its leases. Give a stable one (e.g. per host and slot) so that a
   * restarted worker takes its runs back at once instead of waiting for their leases to expire.
   * Default: the host name and a random suffix.
   */
  readonly workerId?: string;
  /** Runs executing at once on this worker (default 100). */
  readonly concurrency?: number;
  /**
   * How long a worker holds a run without renewing (default 4 000 ms): a dead worker's runs move
   * after it. Project file / environment: `flowEngine.leaseMs`, `TESSERA_FLOWS_LEASE_MS`.
   */
  readonly leaseMs?: number;
  /**
   * How often the held leases are renewed, one statement for all of them (default a quarter of
   * the lease, so that a slow renewal or two does not lose them). `flowEngine.renewMs`.
   */
  readonly renewMs?: number;
  /** How often an idle worker looks for due runs (default 500 ms; a busy one up to 3 times less often). `flowEngine.pollMs`. */
  readonly pollMs?: number;
  /**
   * Runs taken per claim (default a tenth of `concurrency`, at least 1). A worker running this many
   * leaves the runs started on it in the store for any worker with room: the work spreads.
   * `flowEngine.claimBatch`.
   */
  readonly claimBatch?: number;
  /**
   * On stop (SIGTERM), how long the effects in flight may take to finish before the executions stop
   * at once (default 5 000 ms); either way what they know is written before their runs are
   * released for the next worker. `flowEngine.stopGraceMs`.
   */
  readonly stopGraceMs?: number;
  /**
   * What one run may do (steps per activation, journal entries in all; defaults 10 000 and 50 000);
   * a flow's own `budget` wins. Past it the run fails with `TESSERA_FLOW_BUDGET`.
   */
  readonly budget?: FlowBudget;
  /** Sleeps up to this long stay in memory (default 1000 ms); longer ones suspend the run in the store. */
  readonly inlineSleepMs?: number;
  /** Batches committing at once (default 1; 2 overlaps round trips on a remote database). */
  readonly commitConcurrency?: number;
  /** How long a synchronous start waits for the end of the run (default 10 000 ms). */
  readonly syncWaitMs?: number;
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Close the store when the engine stops (default false: whoever made the store closes it). */
  readonly closeStore?: boolean;
  /** How a run's end is delivered to its `callbackUrl` (default: 8 attempts from 5 s, doubling; see callback.ts). */
  readonly callbacks?: CallbackPolicy;
  /**
   * Where run callbacks and declared flows' service calls may go (see egress-policy.ts): metadata
   * endpoints never, loopback and private ranges in the node's `dev` stage only, unless allowed here.
   */
  readonly egress?: EgressSettings;
}
