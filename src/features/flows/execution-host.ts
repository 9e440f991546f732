import type { Logger } from "../../core/logger.js";
import type { FlowBudget } from "./budget.js";
import type { CallInvoker } from "./call-effect.js";
import type { GroupCommit } from "./group-commit.js";

/** What an execution needs from its engine. */
export interface ExecutionHost {
  readonly logger: Logger;
  readonly commit: GroupCommit;
  readonly invoker: CallInvoker;
  /** Sleeps up to this long stay in memory (the lease is renewed meanwhile) instead of suspending. */
  readonly inlineSleepMs: number;
  /** The engine's budget of a run (a flow's own `budget` wins; see budget.ts for the defaults). */
  readonly budget?: FlowBudget | undefined;
  now(): number;
  /**
   * Hands the end of a run over for delivery to its callback URL (a run of the internal callback
   * flow, which retries durably); resolves with that run's id once it is stored.
   */
  notify(url: string, body: unknown): Promise<string>;
}
