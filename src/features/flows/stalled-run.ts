import type { RunRecord } from "../../ports/flow-store.js";
import { type Ending, type EndingScope, endRun } from "./end-run.js";
import { BudgetExceeded, Interrupted } from "./flow-errors.js";

/**
 * True when a run was taken over as many times in a row without progress as its budget allows
 * (`budget.takeovers`, default 5): its workers died or froze while they held it.
 */
export function isStalled(s: Pick<EndingScope, "run" | "budget">): boolean {
  return s.run.takeovers >= s.budget.takeovers;
}

/** The error of a stalled run: `TESSERA_FLOW_BUDGET`, with the takeovers it counted. */
export function stalledError(run: RunRecord): BudgetExceeded {
  const { takeovers } = run;
  return new BudgetExceeded(
    `run ${run.id} was taken over ${takeovers} times in a row without progress (its workers died or froze while they held it: a step that never awaits, or that crashes the process?); it is failed instead of being resumed again, its completed steps not compensated`,
    { takeovers },
  );
}

/**
 * Ends a stalled run `failed` without running its code again (issue 19: a step that loops without
 * ever awaiting froze every worker that resumed its run, for ever). Its completed steps are not
 * compensated: their compensations are in that code. Its callback, if any, is told.
 */
export async function endStalled(s: EndingScope, lost: boolean): Promise<Ending> {
  const error = stalledError(s.run);
  s.host.logger.error("run failed: taken over too many times without progress", {
    runId: s.run.id,
    flow: s.def.name,
    takeovers: s.run.takeovers,
  });
  try {
    return await endRun(s, { kind: "error", error }, lost);
  } catch (err) {
    if (err instanceof Interrupted) return { status: "interrupted" };
    throw err;
  }
}
