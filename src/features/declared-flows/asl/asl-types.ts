/** A JSON value, as states pass them to one another. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A state of an Amazon States Language machine, as submitted (read loosely: the validator checked its shape). */
export type AslState = Readonly<Record<string, unknown>> & { readonly Type: string };

/** A machine (the definition's `definition`, a Parallel's branch, a Map's processor). */
export interface AslMachine {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly Comment?: string;
  readonly TimeoutSeconds?: number;
  readonly Version?: string;
  readonly QueryLanguage?: string;
}

/** A `Retry` rule of a Task, Parallel or Map state. */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: "FULL" | "NONE";
}

/** A `Catch` rule of a Task, Parallel or Map state. */
export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
}

/** The context object (`$$`): built on first use in a state, since its time is journaled. */
export type ContextObject = () => Json;
