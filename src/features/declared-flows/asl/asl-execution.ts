import { isControl } from "../../flows/flow-errors.js";
import { isRecord } from "../field-errors.js";
import type { AslEffects } from "./asl-effects.js";
import { AslError, causeOf, errorMatches, errorNames, runtimeError } from "./asl-error.js";
import type { AslMachine, AslState, Catcher, ContextObject, Json, Retrier } from "./asl-types.js";
import { type ChoiceRule, ruleHolds } from "./choice-rules.js";
import { evaluateIntrinsic } from "./intrinsic-functions.js";
import { placeResult, queryPath } from "./json-path.js";
import { fillTemplate } from "./payload-template.js";
import { maxRetries, retryDelayMs } from "./retry-delay.js";

/** What a state did: its output, and the state to go on with (none: the machine ends). */
export interface StateOutcome {
  readonly output: Json;
  readonly next: string | undefined;
}

/** Where a state runs: in a Map's iteration (`$$.Map.Item`), with a context object given by a test. */
interface Scope {
  readonly item?: { readonly Index: number; readonly Value: Json };
}

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * A run of a States Language machine: each state's input and output processing (`InputPath`,
 * `Parameters`, `ResultSelector`, `ResultPath`, `OutputPath`), its action, and `Retry` and
 * `Catch`, the effects going through {@link AslEffects}. Everything between effects is
 * deterministic, so a replay takes the same way.
 *
 * @example
 * const out = await new AslExecution(memoryEffects({ handlers }), input).run(machine, input);
 */
export class AslExecution {
  private startTime: string | undefined;

  constructor(
    readonly fx: AslEffects,
    private readonly executionInput: Json,
    /** A context object given whole (a peer's tests give theirs), instead of the run's. */
    private readonly givenContext?: Json,
  ) {}

  /** Runs a machine (the definition, a branch, an iteration) from its `StartAt` to its end. */
  async run(machine: AslMachine, input: Json, scope: Scope = {}): Promise<Json> {
    let name = machine.StartAt;
    let data = input;
    for (;;) {
      const state = machine.States[name];
      if (state === undefined) throw runtimeError(`no state ${name}`);
      const pause = this.fx.tick();
      if (pause !== undefined) await pause;
      this.fx.visit?.(machine, name, "enter");
      let outcome: StateOutcome;
      try {
        outcome = await this.state(name, state, data, scope);
      } catch (err) {
        this.fx.visit?.(machine, name, "fail");
        throw err;
      }
      this.fx.visit?.(machine, name, "leave");
      const { output, next } = outcome;
      if (next === undefined) return output;
      data = output;
      name = next;
    }
  }

  /** One state on its raw input: its processing, its action, its retries and catches. */
  async state(name: string, s: AslState, raw: Json, scope: Scope = {}): Promise<StateOutcome> {
    const context = this.contextOf(name, raw, scope);
    const next = s.End === true ? undefined : str(s.Next);
    const inputOf = () =>
      s.InputPath === undefined
        ? raw
        : s.InputPath === null
          ? {}
          : queryPath(s.InputPath as string, raw, context);
    const outputOf = (v: Json) =>
      s.OutputPath === undefined
        ? v
        : s.OutputPath === null
          ? {}
          : queryPath(s.OutputPath as string, v, context);
    switch (s.Type) {
      case "Fail": {
        // ErrorPath and CausePath take a path or, as in AWS, an intrinsic call (States.Format…).
        const dynamic = (p: unknown) =>
          typeof p !== "string"
            ? undefined
            : str(
                p.startsWith("$") ? queryPath(p, raw, context) : evaluateIntrinsic(p, raw, context, this.fx),
              );
        const error = str(s.Error) ?? dynamic(s.ErrorPath);
        const cause = str(s.Cause) ?? dynamic(s.CausePath);
        throw new AslError(error ?? "States.Fail", cause);
      }
      case "Succeed":
        return { output: outputOf(inputOf()), next: undefined };
      case "Choice": {
        const effective = inputOf();
        const hit = (s.Choices as ChoiceRule[]).find((r) => ruleHolds(r, effective, context));
        const to = str(hit?.Next) ?? str(s.Default);
        if (to === undefined)
          throw new AslError(
            "States.NoChoiceMatched",
            `no choice rule of ${name} matched and it has no Default`,
          );
        return { output: outputOf(effective), next: to };
      }
      case "Wait": {
        const effective = inputOf();
        await this.wait(name, s, effective, context);
        return { output: outputOf(effective), next };
      }
      case "Pass": {
        const effective = inputOf();
        const params =
          s.Parameters === undefined
            ? effective
            : fillTemplate(s.Parameters as Json, effective, context, this.fx);
        const result = s.Result === undefined ? params : (s.Result as Json);
        return {
          output: outputOf(placeResult(s.ResultPath as string | null | undefined, raw, result)),
          next,
        };
      }
      case "Task":
      case "Parallel":
      case "Map":
        return this.withRetries(name, s, raw, context, next, scope, (effective) =>
          this.action(name, s, effective, context),
        );
      default:
        throw runtimeError(`state ${name} has the unsupported type ${s.Type}`);
    }
  }

  /** The action of a Task, Parallel or Map state on its effective input (after `InputPath`). */
  async action(name: string, s: AslState, effective: Json, context: ContextObject): Promise<Json> {
    const params = () =>
      s.Parameters === undefined
        ? effective
        : fillTemplate(s.Parameters as Json, effective, context, this.fx);
    if (s.Type === "Task") {
      const seconds =
        s.TimeoutSeconds ??
        (s.TimeoutSecondsPath === undefined
          ? undefined
          : queryPath(s.TimeoutSecondsPath as string, effective, context));
      if (seconds !== undefined && (typeof seconds !== "number" || seconds <= 0))
        throw runtimeError(`the timeout of ${name} must be a positive number`);
      return this.fx.task(
        name,
        s.Resource as string,
        params(),
        seconds === undefined ? undefined : (seconds as number) * 1000,
      );
    }
    if (s.Type === "Parallel") {
      const input = params();
      return this.fx.parallel((s.Branches as AslMachine[]).map((b) => () => this.run(b, input)));
    }
    return this.map(name, s, effective, context);
  }

  private async map(name: string, s: AslState, effective: Json, context: ContextObject): Promise<Json> {
    const items =
      s.ItemsPath === undefined ? effective : queryPath(s.ItemsPath as string, effective, context);
    if (!Array.isArray(items)) throw runtimeError(`the items of Map state ${name} are not an array`);
    const processor = (s.ItemProcessor ?? s.Iterator) as AslMachine;
    const selector = (s.ItemSelector ?? s.Parameters) as Json | undefined;
    const inputs = items.map((value, index) => {
      if (selector === undefined) return value;
      const itemContext = this.contextOf(name, effective, { item: { Index: index, Value: value } });
      return fillTemplate(selector, effective, itemContext, this.fx);
    });
    const limit =
      typeof s.MaxConcurrency === "number" && s.MaxConcurrency > 0 ? s.MaxConcurrency : inputs.length;
    const out: Json[] = [];
    // Batches of MaxConcurrency, one after the other: the same batches on every replay.
    for (let from = 0; from < inputs.length; from += Math.max(1, limit)) {
      const batch = inputs.slice(from, from + Math.max(1, limit));
      const results = await this.fx.parallel(
        batch.map(
          (input, i) => () =>
            this.run(processor, input, { item: { Index: from + i, Value: items[from + i]! } }),
        ),
      );
      out.push(...results);
    }
    return out;
  }

  /**
   * A state whose action may fail: the action on the effective input, `ResultSelector`,
   * `ResultPath`, `OutputPath`; a failure retried by the first `Retry` rule that takes it (each rule
   * counts its own attempts; the delays are durable timers), then caught by the first `Catch` rule
   * that takes it (the error object `{Error, Cause}` placed at its `ResultPath`).
   */
  private async withRetries(
    name: string,
    s: AslState,
    raw: Json,
    context: ContextObject,
    next: string | undefined,
    _scope: Scope,
    act: (effective: Json) => Promise<Json>,
  ): Promise<StateOutcome> {
    const retriers = (s.Retry ?? []) as Retrier[];
    const counts = retriers.map(() => 0);
    for (;;) {
      try {
        const effective =
          s.InputPath === undefined
            ? raw
            : s.InputPath === null
              ? {}
              : queryPath(s.InputPath as string, raw, context);
        let result = await act(effective);
        if (s.ResultSelector !== undefined)
          result = fillTemplate(s.ResultSelector as Json, result, context, this.fx);
        const placed = placeResult(s.ResultPath as string | null | undefined, raw, result);
        const output =
          s.OutputPath === undefined
            ? placed
            : s.OutputPath === null
              ? {}
              : queryPath(s.OutputPath as string, placed, context);
        return { output, next };
      } catch (err) {
        if (isControl(err)) throw err;
        const names = errorNames(err);
        const inTask = s.Type === "Task";
        const r = retriers.findIndex((x) => errorMatches(names, x.ErrorEquals, inTask));
        if (r >= 0 && counts[r]! < maxRetries(retriers[r]!)) {
          const delay = retryDelayMs(retriers[r]!, counts[r]!, () => this.fx.random());
          counts[r]!++;
          if (delay > 0) await this.fx.sleep(`${name}:retry`, delay);
          continue;
        }
        const c = ((s.Catch ?? []) as Catcher[]).find((x) => errorMatches(names, x.ErrorEquals, inTask));
        if (c === undefined) throw err;
        const errorOutput: Json = { Error: names[0] ?? "States.TaskFailed", Cause: causeOf(err) };
        return {
          output: placeResult(c.ResultPath === undefined ? "$" : c.ResultPath, raw, errorOutput),
          next: c.Next,
        };
      }
    }
  }

  private async wait(name: string, s: AslState, effective: Json, context: ContextObject): Promise<void> {
    const seconds =
      s.Seconds ??
      (s.SecondsPath === undefined ? undefined : queryPath(s.SecondsPath as string, effective, context));
    if (seconds !== undefined) {
      if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 0)
        throw runtimeError(`the seconds of Wait state ${name} must be a non-negative integer`);
      await this.fx.sleep(name, seconds * 1000);
      return;
    }
    const ts =
      s.Timestamp ??
      (s.TimestampPath === undefined ? undefined : queryPath(s.TimestampPath as string, effective, context));
    const at = typeof ts === "string" ? Date.parse(ts) : Number.NaN;
    if (Number.isNaN(at)) throw runtimeError(`the timestamp of Wait state ${name} is not a timestamp`);
    await this.fx.sleepUntil(name, at);
  }

  /** The context object of a state, built when a `$$` path first reads it (its times are journaled then). */
  private contextOf(name: string, _raw: Json, scope: Scope): ContextObject {
    let built: Json | undefined;
    return () => {
      if (this.givenContext !== undefined) return withItem(this.givenContext, scope);
      if (built !== undefined) return built;
      this.startTime ??= new Date(this.fx.startTime ?? this.fx.now()).toISOString();
      built = withItem(
        {
          Execution: {
            Id: this.fx.executionId,
            Input: this.executionInput,
            Name: this.fx.executionId,
            StartTime: this.startTime,
          },
          State: { Name: name, EnteredTime: new Date(this.fx.now()).toISOString() },
          StateMachine: { Id: this.fx.machineName, Name: this.fx.machineName },
        },
        scope,
      );
      return built;
    };
  }
}

function withItem(context: Json, scope: Scope): Json {
  if (scope.item === undefined || !isRecord(context)) return context;
  return { ...(context as Record<string, Json>), Map: { Item: scope.item } };
}
