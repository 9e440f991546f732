import type { CallMeta } from "./call-meta.js";
import type { CallArgs, CallOptions, Context, Identity } from "./context.js";
import type { EntryRef } from "./entry.js";
import type { EventDef } from "./event.js";
import type { Logger } from "./logger.js";

/** What a context needs from its node. */
export interface ContextHost {
  readonly logger: Logger;
  /** Runs a call; returns the result itself when it completed synchronously, else a promise. */
  dispatch(ref: EntryRef, input: unknown, meta: CallMeta, options?: CallOptions): unknown;
  publish(event: EventDef, payload: unknown, meta: CallMeta): Promise<void>;
}

/**
 * The context of one call. Its logger and abort signal are built on first use only: most
 * handlers never touch them, and a call must stay cheap.
 */
export class CallContext implements Context {
  private logCache: Logger | undefined;
  private signalCache: AbortSignal | undefined;
  private childMeta: CallMeta | undefined;

  constructor(
    private readonly host: ContextHost,
    readonly target: string,
    readonly meta: CallMeta,
  ) {}

  get requestId(): string {
    return this.meta.requestId;
  }
  get identity(): Identity | undefined {
    return this.meta.identity;
  }
  get deadline(): number | undefined {
    return this.meta.deadline;
  }

  get log(): Logger {
    this.logCache ??= this.host.logger.child({ requestId: this.meta.requestId, target: this.target });
    return this.logCache;
  }

  get signal(): AbortSignal {
    if (this.signalCache === undefined) {
      const sources: AbortSignal[] = [];
      const parent = this.meta.signal?.();
      if (parent !== undefined) sources.push(parent);
      if (this.meta.deadline !== undefined)
        sources.push(AbortSignal.timeout(Math.max(0, this.meta.deadline - Date.now())));
      this.signalCache = sources.length === 1 ? sources[0]! : AbortSignal.any(sources);
    }
    return this.signalCache;
  }

  private nested(): CallMeta {
    this.childMeta ??= {
      requestId: this.meta.requestId,
      identity: this.meta.identity,
      deadline: this.meta.deadline,
      signal: () => this.signal,
    };
    return this.childMeta;
  }

  call<In, Out>(ref: EntryRef<In, Out>, ...[input, options]: CallArgs<In>): Promise<Out> {
    const r = this.host.dispatch(ref as EntryRef, input, this.nested(), options);
    return (r instanceof Promise ? r : Promise.resolve(r)) as Promise<Out>;
  }

  emit<In>(event: EventDef<string, In, unknown>, payload: In): Promise<void> {
    return this.host.publish(event as EventDef, payload, this.nested());
  }
}
