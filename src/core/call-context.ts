import type { CallMeta } from "./call-meta.js";
import type { ConfigModel, ConfigShape, ConfigValues } from "./config.js";
import type { CallArgs, CallOptions, Context, EmitOptions, EntryRef } from "./context.js";
import { type DeadlineWatch, deadlineTimer } from "./deadline-timer.js";
import { TesseraError } from "./errors.js";
import type { EventDef } from "./event.js";
import type { Identity } from "./identity.js";
import type { Logger } from "./logger.js";
import { Span } from "./trace-context.js";
import type { UseKey } from "./uses.js";

const neverAborted = new AbortController().signal;

/** What a context needs from its node. */
export interface ContextHost {
  readonly logger: Logger;
  /** Runs a call; returns the result itself when it completed synchronously, else a promise. */
  dispatch(ref: EntryRef, input: unknown, meta: CallMeta, options?: CallOptions): unknown;
  publish(event: EventDef, payload: unknown, meta: CallMeta, options?: EmitOptions): Promise<void>;
  /** The values of `model` for the service of `target` (`service.entry`). */
  configOf(target: string, model: ConfigModel): unknown;
  /** What `key` gives the service of `target` (`service.entry`). */
  useOf<T>(target: string, key: UseKey<T>, caller?: CallMeta): T;
}

/**
 * The context of one call. Its logger and abort signal are built on first use only: most
 * handlers never touch them, and a call must stay cheap.
 */
export class CallContext implements Context {
  private logCache: Logger | undefined;
  private signalCache: AbortSignal | undefined;
  private childMeta: CallMeta | undefined;
  private deadlineWatch: DeadlineWatch | undefined;
  private span: Span | undefined;

  constructor(
    protected readonly host: ContextHost,
    readonly target: string,
    readonly meta: CallMeta,
  ) {}

  get requestId(): string {
    return this.meta.requestId;
  }
  get idempotencyKey(): string | undefined {
    return this.meta.idempotencyKey;
  }
  get fencingToken(): number | undefined {
    return this.meta.fencingToken;
  }
  get identity(): Identity | undefined {
    return this.meta.identity;
  }
  get deadline(): number | undefined {
    return this.meta.deadline;
  }
  /** This call's span; its ids are drawn when first read (a log line, a remote call, an event). */
  get trace(): Span {
    this.span ??= new Span(this.meta.trace);
    return this.span;
  }

  get log(): Logger {
    if (this.logCache === undefined) {
      const { traceId, spanId } = this.trace;
      this.logCache = this.host.logger.child({
        requestId: this.meta.requestId,
        target: this.target,
        traceId,
        spanId,
      });
    }
    return this.logCache;
  }

  get signal(): AbortSignal {
    if (this.signalCache !== undefined) return this.signalCache;
    const parent = this.meta.signal?.();
    const { deadline } = this.meta;
    if (deadline === undefined) {
      this.signalCache = parent ?? neverAborted;
      return this.signalCache;
    }
    // The deadline fires on the same timer as the call's timeout race, so the two agree.
    const controller = new AbortController();
    this.deadlineWatch = deadlineTimer.watch(deadline, () =>
      controller.abort(TesseraError.timeout(`${this.target} passed its deadline`)),
    );
    this.signalCache =
      parent === undefined ? controller.signal : AbortSignal.any([parent, controller.signal]);
    return this.signalCache;
  }

  /** Called by the dispatcher when the call has settled: releases the deadline watch, if any. */
  dispose(): void {
    if (this.deadlineWatch !== undefined) {
      deadlineTimer.cancel(this.deadlineWatch);
      this.deadlineWatch = undefined;
    }
  }

  /** The metadata of what this call does: nested calls, emitted events, messages sent through `use`. */
  protected nested(): CallMeta {
    this.childMeta ??= {
      requestId: this.meta.requestId,
      identity: this.meta.identity,
      deadline: this.meta.deadline,
      signal: () => this.signal,
      trace: this.trace,
    };
    return this.childMeta;
  }

  call<In, Out>(ref: EntryRef<In, Out>, ...[input, options]: CallArgs<In>): Promise<Out> {
    const r = this.host.dispatch(ref as EntryRef, input, this.nested(), options);
    return (r instanceof Promise ? r : Promise.resolve(r)) as Promise<Out>;
  }

  emit<In>(event: EventDef<string, In, unknown>, payload: In, options?: EmitOptions): Promise<void> {
    return this.host.publish(event as EventDef, payload, this.nested(), options);
  }

  config<M extends ConfigShape>(model: ConfigModel<M>): ConfigValues<M> {
    return this.host.configOf(this.target, model as ConfigModel) as ConfigValues<M>;
  }

  use<T>(key: UseKey<T>): T {
    return this.host.useOf(this.target, key, this.nested());
  }
}
