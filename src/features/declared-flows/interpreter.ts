import { TesseraError } from "../../core/errors.js";
import type { RetryPolicy } from "../../core/policies.js";
import { flowStep } from "../flows/budget.js";
import { toMs } from "../flows/duration.js";
import type { FlowContext, StepInfo } from "../flows/flow-context.js";
import { errorBody, isControl } from "../flows/flow-errors.js";
import { signal } from "../flows/signal.js";
import { checkAnswer } from "./check-answer.js";
import { holds, outcomeOf, type StepOutcome, serverCodes } from "./conditions.js";
import { applyResult, type Data, inputOf, mergeInto } from "./data-paths.js";
import type { CallStep, Step, StepRetry, WaitStep } from "./definition.js";
import { END } from "./definition.js";
import { isRecord } from "./field-errors.js";
import { fieldValue } from "./field-values.js";
import { fieldsSchema } from "./fields-schema.js";
import type { RunSnapshot, ServiceTarget } from "./run-snapshot.js";
import { sameJson } from "./same-json.js";

/** How the interpreter reaches services (an HTTP POST, or an entry of the node). */
export interface ServiceCaller {
  call(name: string, target: ServiceTarget, input: Data, info: StepInfo, timeoutMs: number): Promise<unknown>;
}

function retryPolicy(r: StepRetry | undefined): RetryPolicy | undefined {
  if (r === undefined) return undefined;
  return {
    attempts: r.attempts,
    baseDelayMs: r.delay === undefined ? 200 : toMs(r.delay as never),
    factor: r.backoff ?? 2,
    // A client error (4xx) would fail again: only the server's failures are retried.
    on: serverCodes,
  };
}

/**
 * One sequence of steps (the flow, or a branch of a parallel step) moving one effect at a time. The
 * branches of a parallel step each have their own and advance independently: the engine journals
 * each effect at its position in its branch, so a replay does not depend on their interleaving.
 */
class Cursor {
  private pc = 0;

  constructor(
    private readonly run: Interpreter,
    private readonly steps: readonly Step[],
    readonly data: Data,
  ) {}

  private go(target: string | undefined, from: number): void {
    const t = target ?? (from + 1 < this.steps.length ? this.steps[from + 1]!.id : END);
    this.pc = t === END ? this.steps.length : this.steps.findIndex((s) => s.id === t);
  }

  /**
   * Runs the steps up to and including the next effect (or up to a choice after which the run
   * yields to the event loop); false once the sequence has ended.
   */
  advance(): Promise<boolean> | false {
    for (;;) {
      const step = this.steps[this.pc];
      if (step === undefined) return false;
      const at = this.pc;
      switch (step.type) {
        case "choice": {
          // A step of the run's budget (past it, the run fails); now and then a pause to yield.
          const pause = this.run.choiceStep();
          const hit = step.choices.find((c) => holds(c.when, this.data, this.run.outcomes));
          this.go(hit?.next ?? step.default, at);
          if (pause !== undefined) return pause.then(() => true);
          continue;
        }
        case "succeed":
          this.pc = this.steps.length;
          return false;
        case "fail":
          throw TesseraError.conflict(step.message ?? `the flow failed at step ${step.id}`);
        case "call":
          return this.run.call(step, this.data).then((next) => {
            this.go(next, at);
            return true;
          });
        case "wait":
          return this.run.wait(step, this.data).then(() => {
            this.go(step.next, at);
            return true;
          });
        case "parallel":
          return this.run.parallel(step.branches, this.data).then(() => {
            this.go(step.next, at);
            return true;
          });
      }
    }
  }
}

/** Runs a declared flow's definition on the durable engine through `ctx`: each call and wait is journaled. */
export class Interpreter {
  readonly outcomes = new Map<string, StepOutcome>();

  constructor(
    private readonly ctx: FlowContext,
    private readonly snapshot: RunSnapshot,
    private readonly caller: ServiceCaller,
    private readonly defaultTimeoutMs: number,
  ) {}

  /**
   * Runs the whole flow on `input`; resolves with the data, restricted to the declared outputs if
   * any — unless the data lacks a required one: then the whole data, as machinery answers (the
   * merged data). Only a definition accepted on machinery's paths with a warning that no service
   * provides an output gets there (and, on Tesserae's, a call to an entry without an output schema
   * that left the output out), so the caller sees what the services gave rather than part of it.
   */
  async execute(input: Data): Promise<Data> {
    const cursor = new Cursor(this, this.snapshot.definition.steps, { ...input });
    while (await cursor.advance());
    const outputs = this.snapshot.definition.outputs;
    const lacking = outputs.some(
      (f) => f.required !== false && fieldValue(cursor.data, f.name) === undefined,
    );
    if (outputs.length === 0 || lacking) return cursor.data;
    const out: Data = {};
    for (const f of outputs) {
      const v = fieldValue(cursor.data, f.name);
      if (v !== undefined) out[f.name] = v;
    }
    return out;
  }

  /**
   * A registered service's answer against its declared outputs: a mismatch fails the step, or, in
   * a workflow of machinery's `/w` (`answers: "merged"`), is logged as a warning (run, service,
   * step, fields) and the answer merged as it is, as machinery merges it.
   */
  private check(step: CallStep, outputs: Parameters<typeof checkAnswer>[2], answer: unknown): void {
    try {
      checkAnswer(step.service, step.id, outputs, answer);
    } catch (err) {
      const fields = (err as TesseraError).details as { fields?: unknown } | undefined;
      if (this.snapshot.definition.answers !== "merged" || fields?.fields === undefined) throw err;
      this.ctx.log.warn("a service answered outputs that do not fit its declaration: merged as they are", {
        runId: this.ctx.runId,
        flow: this.ctx.flow,
        service: step.service,
        step: step.id,
        fields: fields.fields,
      });
    }
  }

  /** A call step: journaled once (a replay reads the result back); resolves with the id of the step to go on with. */
  async call(step: CallStep, data: Data): Promise<string | undefined> {
    const target = this.target(step.service);
    const input = inputOf(step.input, target.inputs, data, target.kind === "entry");
    const timeoutMs = step.timeout === undefined ? this.defaultTimeoutMs : toMs(step.timeout as never);
    const compensate = step.compensate;
    const retry = retryPolicy(step.retry);
    // A compensation's input comes from the data as the step left it (its result included).
    let after: Data = data;
    try {
      const result = await this.ctx.step(
        step.id,
        async (info) => {
          const r = await this.caller.call(step.service, target, input, info, timeoutMs);
          if (target.kind === "http") this.check(step, target.outputs, r);
          applyResult(step, r, {}); // a result that cannot be merged fails the step (and is retried)
          return r ?? null;
        },
        {
          ...(retry === undefined ? {} : { retry }),
          ...(compensate === undefined
            ? {}
            : {
                compensate: (_result: unknown, info: StepInfo) => {
                  const t = this.target(compensate.service);
                  const undoInput = inputOf(compensate.input, t.inputs, after, t.kind === "entry");
                  return this.caller.call(compensate.service, t, undoInput, info, timeoutMs);
                },
              }),
        },
      );
      this.outcomes.set(step.id, { is: result === null ? "no-content" : "ok", failed: false });
      applyResult(step, result ?? undefined, data);
      after = { ...data };
      return step.next;
    } catch (err) {
      if (isControl(err) || step.catch === undefined) throw err;
      this.outcomes.set(step.id, outcomeOf(err));
      if (step.catch.as !== undefined) data[step.catch.as] = errorBody(err);
      return step.catch.next;
    }
  }

  async wait(step: WaitStep, data: Data): Promise<void> {
    if (step.duration !== undefined) {
      await this.ctx.sleep(step.duration as never);
      this.outcomes.set(step.id, { is: "ok", failed: false });
      return;
    }
    const sig = signal(step.signal!, step.fields === undefined ? undefined : fieldsSchema(step.fields));
    const payload =
      step.timeout === undefined
        ? await this.ctx.waitFor(sig)
        : await this.ctx.waitFor(sig, { timeout: step.timeout as never });
    if (payload === undefined) {
      this.outcomes.set(step.id, { is: "timeout", failed: false });
      return;
    }
    this.outcomes.set(step.id, { is: "ok", failed: false });
    if (isRecord(payload)) mergeInto(data, payload);
  }

  /**
   * A parallel step: its branches run side by side on copies of the data (`ctx.parallel`: each
   * advances on its own, a failing one cancels the others), then what each changed is merged back.
   */
  async parallel(branches: readonly (readonly Step[])[], data: Data): Promise<void> {
    const results = await this.ctx.parallel(
      branches.map((steps) => async () => {
        const cursor = new Cursor(this, steps, { ...data });
        while (await cursor.advance());
        return cursor.data;
      }),
    );
    const before = { ...data };
    for (const d of results) for (const [k, v] of Object.entries(d)) if (!sameJson(v, before[k])) data[k] = v;
  }

  /**
   * Counts a choice against the run's budget of steps per activation (throws past it) and returns
   * a pause to await when the run should yield to the event loop (see `flowStep`).
   */
  choiceStep(): Promise<void> | undefined {
    return flowStep(this.ctx);
  }

  private target(name: string): ServiceTarget {
    // Own keys only: a service named "toString" that the snapshot lacks is not Object.prototype's member.
    const t = Object.hasOwn(this.snapshot.services, name) ? this.snapshot.services[name] : undefined;
    if (t === undefined) throw TesseraError.notFound(`service ${name} is not registered`);
    return t;
  }
}
