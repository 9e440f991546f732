import { randomUUID } from "node:crypto";
import type { EntryRef } from "../../core/context.js";
import { TesseraError } from "../../core/errors.js";
import type { EventDef } from "../../core/event.js";
import type { Logger } from "../../core/logger.js";
import { callOutcome } from "./call-effect.js";
import type { Duration } from "./duration.js";
import {
  callOptionsError,
  sleepMs,
  sleepUntilError,
  stepOptionsError,
  waitOptionsError,
} from "./effect-options.js";
import type {
  AsyncCall,
  FlowCallOptions,
  FlowContext,
  StepInfo,
  StepOptions,
  WaitOptions,
} from "./flow-context.js";
import type { SignalDef } from "./signal.js";

/** What the context of a run asks of its execution (see `RunExecution`). */
export interface EffectRunner {
  readonly runId: string;
  readonly flowName: string;
  logger(): Logger;
  now(): number;
  callEffect(ref: EntryRef, input: unknown, options: FlowCallOptions | undefined): Promise<unknown>;
  stepEffect<T>(
    name: string,
    fn: (info: StepInfo) => T | Promise<T>,
    options: StepOptions<Awaited<T>>,
  ): Promise<Awaited<T>>;
  sleepUntil(epochMs: number): Promise<void>;
  waitFor<T>(what: SignalDef | EventDef, options: WaitOptions<T> | undefined): Promise<T | undefined>;
  drawn<T>(kind: string, produce: () => T): T;
  parallel<T>(branches: readonly (() => T | Promise<T>)[]): Promise<Awaited<T>[]>;
}

/**
 * The `ctx` of a flow's code: a thin object over its execution (a class, so that a run allocates
 * one object rather than a closure per member).
 */
export class ExecutionContext implements FlowContext {
  constructor(private readonly x: EffectRunner) {}

  get runId(): string {
    return this.x.runId;
  }

  get flow(): string {
    return this.x.flowName;
  }

  get log(): Logger {
    return this.x.logger();
  }

  call<In, Out>(ref: EntryRef<In, Out>, input?: In, options?: FlowCallOptions<Out>): Promise<Out> {
    const refused = callOptionsError(this.x.flowName, ref.id, options as FlowCallOptions | undefined);
    if (refused !== undefined) return Promise.reject(refused);
    return this.x.callEffect(ref as EntryRef, input, options) as Promise<Out>;
  }

  tryCall<In, Out>(ref: EntryRef<In, Out>, input?: In, options?: FlowCallOptions<Out>) {
    // A mistake in the options is the code's, not the callee's outcome: it rejects.
    const refused = callOptionsError(this.x.flowName, ref.id, options as FlowCallOptions | undefined);
    if (refused !== undefined) return Promise.reject(refused);
    return callOutcome(this.call(ref, input, options));
  }

  callAsync<In, Out>(ref: EntryRef<In, Out>, input?: In, options?: FlowCallOptions<Out>): AsyncCall<Out> {
    const p = this.call(ref, input, options);
    p.catch(() => undefined);
    return { result: () => p };
  }

  step<T>(name: string, fn: (info: StepInfo) => T | Promise<T>, options: StepOptions<Awaited<T>> = {}) {
    const refused = stepOptionsError(this.x.flowName, name, options as StepOptions<unknown>);
    if (refused !== undefined) return Promise.reject(refused);
    return this.x.stepEffect(name, fn, options);
  }

  sleep(duration: Duration): Promise<void> {
    const ms = sleepMs(this.x.flowName, duration);
    if (typeof ms !== "number") return Promise.reject(ms);
    return this.x.sleepUntil(this.x.now() + ms);
  }

  sleepUntil(date: Date | number): Promise<void> {
    const at = typeof date === "number" ? date : date.getTime();
    const refused = sleepUntilError(this.x.flowName, at, this.x.now());
    if (refused !== undefined) return Promise.reject(refused);
    return this.x.sleepUntil(at);
  }

  waitFor<T>(what: SignalDef<string, unknown, T> | EventDef<string, unknown, T>, options?: WaitOptions<T>) {
    const refused = waitOptionsError(this.x.flowName, options as WaitOptions<unknown> | undefined);
    if (refused !== undefined) return Promise.reject(refused);
    return this.x.waitFor<T>(what as SignalDef | EventDef, options) as Promise<T>;
  }

  now(): number {
    return this.x.drawn("now", () => this.x.now());
  }

  random(): number {
    return this.x.drawn("random", Math.random);
  }

  uuid(): string {
    return this.x.drawn("uuid", randomUUID);
  }

  parallel<const B extends readonly (() => unknown)[]>(branches: B) {
    if (!Array.isArray(branches) || branches.some((b) => typeof b !== "function"))
      return Promise.reject(
        TesseraError.definition(
          this.x.flowName,
          `flow ${this.x.flowName}: ctx.parallel takes a list of functions`,
        ),
      );
    return this.x.parallel(branches) as Promise<{ -readonly [K in keyof B]: Awaited<ReturnType<B[K]>> }>;
  }
}
