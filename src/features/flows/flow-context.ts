import type { CallArgs, EntryRef } from "../../core/context.js";
import type { TesseraError } from "../../core/errors.js";
import type { EventDef } from "../../core/event.js";
import type { Logger } from "../../core/logger.js";
import type { RetryPolicy } from "../../core/policies.js";
import type { RunOrigin } from "../../ports/flow-store.js";
import type { Duration } from "./duration.js";
import type { SignalDef } from "./signal.js";

/**
 * How a coded flow undoes a call that succeeded when the run fails later (a saga's compensation
 * over a service, where `ctx.step`'s `compensate` undoes local work): the engine calls `call` with
 * `input(result)`, in reverse order of completion with the run's other compensations.
 */
export interface CallCompensation<Out> {
  /** The entry that undoes the call (a refund for a charge, a release for a reservation). */
  readonly call: EntryRef<never, unknown>;
  /** Its input, from the call's result (default: the result itself). */
  input?(result: Out): unknown;
  /** Retries of the compensating call (default: 3 attempts); the entry's own policy applies too. */
  readonly retry?: RetryPolicy;
  /** Deadline of one attempt in ms. */
  readonly timeout?: number;
}

/** Options of a journaled call. */
export interface FlowCallOptions<Out = unknown> {
  /** Deadline of one attempt in ms. */
  readonly timeout?: number;
  /** Retries before the outcome is journaled (the entry's own policy applies too). */
  readonly retry?: RetryPolicy;
  /**
   * Undoes the call when the run fails, is cancelled or exceeds its budget later: the run then
   * ends `compensated`. The compensating call is journaled once done; its request id is its
   * idempotency key (`<runId>:-<seq>`), the same when a crash makes it run again (at least once).
   */
  readonly compensate?: CallCompensation<Out>;
}

/** What a step's function knows of itself. */
export interface StepInfo {
  readonly runId: string;
  /** `<runId>:<seq>`: the same across replays and retries; give it to the target to deduplicate. */
  readonly idempotencyKey: string;
  /**
   * The run's lease generation: one more at every activation and takeover of the run. Give it to the
   * target beside the key, for it to refuse a token lower than the highest it saw for the run: the
   * late effect of a worker that lost the run (a pause past its lease) then never lands.
   */
  readonly fencingToken: number;
  /** 1 for the first attempt of this execution. */
  readonly attempt: number;
  /** Who started the run, in which trace (stored with the run): pass them on to what the step calls. */
  readonly origin?: RunOrigin | undefined;
  /**
   * Aborted when this worker loses the run's lease (another worker resumes the run), and in a
   * `ctx.parallel` branch when a sibling branch failed. Honour it (pass it to `fetch`, check it
   * between pieces of work) so that the step stops soon; after a sibling's failure the engine awaits
   * the step either way and journals what it came to (a result is compensated like any other).
   */
  readonly signal?: AbortSignal;
}

export interface StepOptions<T> {
  /**
   * Undoes the step when the flow fails later (saga); gets the step's result. Journaled once done;
   * one interrupted by a crash runs again with the same `idempotencyKey` (at least once).
   */
  readonly compensate?: (result: T, info: StepInfo) => unknown;
  /** Retries of the step (default: the flow's `retry`, else one attempt). Any error is retryable unless `on` lists codes. */
  readonly retry?: RetryPolicy;
}

/** The outcome of a call, for branching without try/catch (see `ctx.tryCall`). */
export type CallOutcome<Out> =
  | { readonly kind: "ok"; readonly value: Out }
  | { readonly kind: "no-content" }
  | { readonly kind: "client-error"; readonly error: TesseraError }
  | { readonly kind: "server-error"; readonly error: TesseraError };

/** A call started with `ctx.callAsync`, collected later with `result()`. */
export interface AsyncCall<Out> {
  result(): Promise<Out>;
}

export interface WaitOptions<T> {
  /** Gives up after this long: `waitFor` then resolves to `undefined`. */
  readonly timeout?: Duration;
  /** Only a payload for which this returns true is taken (events shared by many runs). */
  readonly match?: (payload: T) => boolean;
}

/**
 * What a flow's code gets: every effect goes through it and is journaled, so that a replay after a
 * crash gives the same results without doing the work again. The code between effects must be
 * deterministic (use `ctx.now()`, `ctx.random()`, `ctx.uuid()` rather than `Date.now()`…).
 */
export interface FlowContext {
  readonly runId: string;
  readonly flow: string;
  readonly log: Logger;
  /** Calls an entry (typed); the result or the error is journaled. */
  call<In, Out>(ref: EntryRef<In, Out>, ...args: CallArgs<In, FlowCallOptions<Out>>): Promise<Out>;
  /** Calls an entry and gives its outcome (ok, no content, client error, server error) instead of throwing. */
  tryCall<In, Out>(
    ref: EntryRef<In, Out>,
    ...args: CallArgs<In, FlowCallOptions<Out>>
  ): Promise<CallOutcome<Out>>;
  /** Starts a call now and collects its result later (`await started.result()`). */
  callAsync<In, Out>(ref: EntryRef<In, Out>, ...args: CallArgs<In, FlowCallOptions<Out>>): AsyncCall<Out>;
  /** Runs a local side effect once; its result (JSON) is journaled. */
  step<T>(
    name: string,
    fn: (info: StepInfo) => T | Promise<T>,
    options?: StepOptions<Awaited<T>>,
  ): Promise<Awaited<T>>;
  /** A durable timer: the run sleeps in the store, not in memory, and survives restarts. */
  sleep(duration: Duration): Promise<void>;
  sleepUntil(date: Date | number): Promise<void>;
  /** Waits for a signal delivered to this run, or for an event of the bus. */
  waitFor<T>(what: SignalDef<string, unknown, T> | EventDef<string, unknown, T>): Promise<T>;
  waitFor<T>(
    what: SignalDef<string, unknown, T> | EventDef<string, unknown, T>,
    options: WaitOptions<T>,
  ): Promise<T | undefined>;
  /** The time (epoch ms), journaled. */
  now(): number;
  /** A random number in [0, 1), journaled. */
  random(): number;
  /** A random UUID, journaled. */
  uuid(): string;
  /**
   * Runs branches side by side and resolves with their results, in order (like `Promise.all`).
   * Each branch advances on its own (a wait in one holds no other) and replays from the journal
   * whatever order its effects ran in. When one fails, the others are cancelled: their steps and
   * calls in flight see their signal aborted and are awaited, their waits are abandoned, nothing of
   * theirs starts after; then the parallel fails with the first failure. Every effect that started
   * is journaled, and every completed step of every branch is compensated if the run fails.
   */
  parallel<const B extends readonly (() => unknown)[]>(
    branches: B,
  ): Promise<{ -readonly [K in keyof B]: Awaited<ReturnType<B[K]>> }>;
}
