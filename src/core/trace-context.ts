import { newSpanId, newTraceId } from "./trace-ids.js";
import { formatTraceparent, type TraceParent } from "./traceparent.js";

/**
 * The trace of the current call (`ctx.trace`), after W3C Trace Context: every call of one request
 * shares the trace id, across nodes and events; each call, local or remote, has its own span id.
 *
 * @example
 * // Pass the trace on to a service outside Tesserae:
 * await fetch(url, { headers: { traceparent: ctx.trace.traceparent }, signal: ctx.signal });
 */
export interface TraceContext {
  /** 32 hex digits: the `traceparent` that came in with the request, or a new one. */
  readonly traceId: string;
  /** 16 hex digits: this call's span. */
  readonly spanId: string;
  /** The span of the caller (a handler, or the HTTP client's), `undefined` where the trace started. */
  readonly parentId: string | undefined;
  readonly sampled: boolean;
  /** The `tracestate` that came in, passed along unchanged. */
  readonly state: string | undefined;
  /** This span as a `traceparent` header value. */
  readonly traceparent: string;
}

/**
 * The span of one call. Its ids are drawn when first read: an in-process call whose trace nobody
 * reads (no log line, no remote call, no event) draws no random number.
 */
export class Span implements TraceContext, TraceParent {
  private tid: string | undefined;
  private sid: string | undefined;

  constructor(private readonly parent: TraceParent | undefined) {}

  get traceId(): string {
    this.tid ??= this.parent?.traceId ?? newTraceId();
    return this.tid;
  }
  get spanId(): string {
    this.sid ??= newSpanId();
    return this.sid;
  }
  get parentId(): string | undefined {
    return this.parent?.spanId;
  }
  get flags(): string {
    return this.parent?.flags ?? "01";
  }
  get sampled(): boolean {
    return this.flags === "01";
  }
  get state(): string | undefined {
    return this.parent?.state;
  }
  get traceparent(): string {
    return formatTraceparent(this.traceId, this.spanId, this.flags);
  }

  toJSON(): Omit<TraceContext, "traceparent"> {
    return {
      traceId: this.traceId,
      spanId: this.spanId,
      parentId: this.parentId,
      sampled: this.sampled,
      state: this.state,
    };
  }
}

/**
 * The start of a trace at the edge (a request without `traceparent`, a call from outside any
 * handler): a trace id, drawn on first use and then kept, so that retries stay in one trace. It
 * has no span: the first call's span is the root.
 */
export class TraceRoot implements TraceParent {
  // One field: a root is made for every request, most of which never read it.
  private tid: string | undefined;

  get traceId(): string {
    this.tid ??= newTraceId();
    return this.tid;
  }
  get spanId(): undefined {
    return undefined;
  }
  get flags(): string {
    return "01";
  }
  get state(): undefined {
    return undefined;
  }
}
