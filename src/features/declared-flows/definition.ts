import type { FieldSpec } from "../../ports/declared-flow-store.js";
import type { FlowBudget } from "../flows/budget.js";
import type { FlowRetention } from "../flows/retention-option.js";

/**
 * Where a step's input field comes from: a dotted path in the flow's data (`"order.id"`), or a
 * literal value (`{ "value": 3 }`).
 */
export type Source = string | { readonly value: unknown };

/** Retry of a call step: `attempts` in all, waiting `delay` (× `backoff` each time) in between. */
export interface StepRetry {
  readonly attempts: number;
  readonly delay?: string | number;
  readonly backoff?: number;
}

/** A call to a registered service; its JSON result is merged into the data (or mapped). */
export interface CallStep {
  readonly id: string;
  readonly type: "call";
  readonly service: string;
  /** The service's input fields and where they come from (default: the data fields of the same names). */
  readonly input?: Readonly<Record<string, Source>>;
  /** Data fields set from the result: `{ "shouted": "message" }` (default: the whole result merged). */
  readonly output?: Readonly<Record<string, string>>;
  /** Puts the whole result under this field instead of merging it. */
  readonly into?: string;
  readonly retry?: StepRetry;
  /** Deadline of one attempt (`"5s"`, or ms). */
  readonly timeout?: string | number;
  /** When the call fails (after its retries): go on at `next` (default: the following step), the error under `as`. */
  readonly catch?: { readonly next?: string; readonly as?: string };
  /** The call that undoes this one when the run fails later (saga: in reverse order, at most once). */
  readonly compensate?: { readonly service: string; readonly input?: Readonly<Record<string, Source>> };
  readonly next?: string;
}

/** What a choice tests: a data field, or how an earlier call or wait ended. */
export type Condition =
  | {
      readonly field: string;
      readonly equals?: unknown;
      readonly notEquals?: unknown;
      readonly gt?: number;
      readonly gte?: number;
      readonly lt?: number;
      readonly lte?: number;
      readonly exists?: boolean;
    }
  | { readonly outcome: string; readonly is: Outcome };

/** How a call or a wait ended, for `{ "outcome": "<step>", "is": … }`. */
export const outcomes = ["ok", "no-content", "client-error", "server-error", "error", "timeout"] as const;
export type Outcome = (typeof outcomes)[number];

export interface ChoiceStep {
  readonly id: string;
  readonly type: "choice";
  /** The first whose condition holds gives the next step. */
  readonly choices: readonly { readonly when: Condition; readonly next: string }[];
  /** When none holds (default: the following step). */
  readonly default?: string;
}

/** Branches run side by side (one step of each at a time); their results are merged in branch order. */
export interface ParallelStep {
  readonly id: string;
  readonly type: "parallel";
  readonly branches: readonly (readonly Step[])[];
  readonly next?: string;
}

/** A durable pause: for a duration, or until a signal (`POST /flows/runs/:runId/signals/:signal`). */
export interface WaitStep {
  readonly id: string;
  readonly type: "wait";
  readonly duration?: string | number;
  readonly signal?: string;
  /** Gives up waiting for the signal after this long (the outcome is then `timeout`). */
  readonly timeout?: string | number;
  /** The fields the signal's payload carries (validated when it is sent), merged into the data. */
  readonly fields?: readonly FieldSpec[];
  readonly next?: string;
}

export interface SucceedStep {
  readonly id: string;
  readonly type: "succeed";
}

export interface FailStep {
  readonly id: string;
  readonly type: "fail";
  readonly message?: string;
}

export type Step = CallStep | ChoiceStep | ParallelStep | WaitStep | SucceedStep | FailStep;

/**
 * A declared flow, as JSON. `steps` run in order unless a step names its `next` (or `"end"`).
 * machinery's form, `{ name, services: ["upper", "reverse"], inputs, outputs }`, is the same as
 * one call step per service.
 */
export interface FlowDefinition {
  readonly name: string;
  readonly description?: string;
  /** What the event must carry (checked before a run starts). */
  readonly inputs: readonly FieldSpec[];
  /** What the caller gets (default: the whole data). */
  readonly outputs: readonly FieldSpec[];
  readonly steps: readonly Step[];
  /**
   * What one run may do (`stepsPerActivation`: calls, waits and choices in one activation;
   * `journalEntries` in all), past which it fails with `TESSERA_FLOW_BUDGET`; default the engine's.
   */
  readonly budget?: FlowBudget;
  /** How long its finished runs are kept (`{ maxAge, maxRuns }` or `false`); default the engine's. */
  readonly retention?: FlowRetention;
  /**
   * `"merged"`: submitted on machinery's `POST /w`, whose workflows merge a service's answer as it
   * is: one whose outputs do not fit their declaration is merged with a warning logged instead of
   * failing the step (machinery's own example services answer `{"message": 6}` for a declared string).
   */
  readonly answers?: "merged";
}

/** The ids that end a path: `"end"` stops the flow (or the branch) with the data as it is. */
export const END = "end";
