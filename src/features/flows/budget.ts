import { TesseraError } from "../../core/errors.js";
import type { FlowContext } from "./flow-context.js";
import { BudgetExceeded } from "./flow-errors.js";

/**
 * What one run may do, so that no flow (a loop with no exit, a definition gone wrong) can hold a
 * worker or grow its journal without end. Set engine-wide (`createFlowEngine({ budget })`) and per
 * flow (`flow(name, { budget })`, which wins).
 */
export interface FlowBudget {
  /**
   * Effects newly run (calls, steps, attempts, timers, waits, drawn values) plus non-effect steps
   * (a declared flow's choices) in one activation of a run, from its claim to its suspension or end.
   * Effects replayed from the journal do not count. Default 10 000.
   */
  readonly stepsPerActivation?: number;
  /** Journal entries of a run in all (compensations and the callback excepted). Default 50 000. */
  readonly journalEntries?: number;
  /**
   * Times in a row a run may be taken from a worker that stopped renewing its lease (it died or
   * froze) or restarted holding it, with nothing written in between; at the next claim the run fails
   * with `TESSERA_FLOW_BUDGET`, its code not run again (a step that loops forever without awaiting
   * anything freezes every worker that resumes it). Default 5.
   */
  readonly takeovers?: number;
}

/** The budget when neither the engine nor the flow sets one. */
export const defaultBudget: Required<FlowBudget> = {
  stepsPerActivation: 10_000,
  journalEntries: 50_000,
  takeovers: 5,
};

/** A run yields to the event loop after this many steps (replayed ones included). */
const yieldEvery = 64;

/** Checks a budget's numbers when a flow or an engine is declared (a mistake there is a definition error). */
export function checkBudget(owner: string, budget: FlowBudget | undefined): void {
  for (const [k, v] of Object.entries(budget ?? {})) {
    if (!Number.isInteger(v) || (v as number) < 1)
      throw TesseraError.definition(owner, `${owner}: budget.${k} must be a positive integer`);
  }
}

/**
 * The budget of one activation of a run: it counts steps and new journal entries, throws
 * `BudgetExceeded` past either limit (and keeps throwing it: the run ends failed with it), and
 * paces the run — every few steps a pause that lets the event loop serve other work (health checks,
 * other runs), so that a run that only replays or only branches never freezes the process.
 */
export class RunBudget {
  private steps = 0;
  private sinceYield = 0;
  private entries: number;
  /** Set once the run went past its budget. */
  exceeded: BudgetExceeded | undefined;

  constructor(
    private readonly limits: Required<FlowBudget>,
    recorded: number,
    private readonly onExceeded: (error: BudgetExceeded) => void = () => undefined,
  ) {
    this.entries = recorded;
  }

  /** Takeovers in a row without progress past which the run fails (see {@link FlowBudget.takeovers}). */
  get takeovers(): number {
    return this.limits.takeovers;
  }

  /** Counts a step of this activation (and a new journal entry when `entry`); throws past the budget. */
  step(entry: boolean): void {
    if (this.exceeded !== undefined) throw this.exceeded;
    this.steps++;
    if (entry) this.entries++;
    if (this.steps > this.limits.stepsPerActivation) {
      this.exceeded = new BudgetExceeded(
        `the run went past its budget of ${this.limits.stepsPerActivation} steps in one activation (a loop without end?)`,
        { stepsPerActivation: this.limits.stepsPerActivation },
      );
    } else if (this.entries > this.limits.journalEntries) {
      this.exceeded = new BudgetExceeded(
        `the run went past its budget of ${this.limits.journalEntries} journal entries`,
        { journalEntries: this.limits.journalEntries },
      );
    }
    if (this.exceeded === undefined) return;
    this.onExceeded(this.exceeded);
    throw this.exceeded;
  }

  /** A pause to await before going on, every few steps; undefined when the run may go on at once. */
  pace(): Promise<void> | undefined {
    if (++this.sinceYield < yieldEvery) return undefined;
    this.sinceYield = 0;
    return new Promise<void>((resolve) => setImmediate(resolve));
  }
}

const budgets = new WeakMap<FlowContext, RunBudget>();

/** Binds a run's context to its budget (the execution does it), for {@link flowStep}. */
export function bindBudget(ctx: FlowContext, budget: RunBudget): void {
  budgets.set(ctx, budget);
}

/**
 * Counts one step that is not an effect (a declared flow's choice) against the run's budget of
 * steps per activation: throws `BudgetExceeded` past it (let it propagate: the run fails with
 * `TESSERA_FLOW_BUDGET`). Returns a promise to await before the next step when the run should yield
 * to the event loop, else undefined (so that a synchronous loop stays synchronous in between).
 *
 * @example
 * const pause = flowStep(ctx); // in the interpreter's loop, for each choice
 * if (pause !== undefined) await pause;
 */
export function flowStep(ctx: FlowContext): Promise<void> | undefined {
  const budget = budgets.get(ctx);
  if (budget === undefined) return undefined;
  budget.step(false);
  return budget.pace();
}
