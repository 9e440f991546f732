import type { FieldSpec, FieldType } from "../../ports/declared-flow-store.js";
import { type CallStep, END, type FlowDefinition, type Source, type Step } from "./definition.js";
import { reportEndlessLoops } from "./endless-loops.js";
import { ErrorSink, type FieldErrors, join } from "./field-errors.js";
import { fits, typeOfValue } from "./field-values.js";

/** What the checker knows of a service: its fields (`outputs` undefined: the result may hold anything). */
export interface ServiceShape {
  readonly inputs: readonly FieldSpec[];
  readonly outputs: readonly FieldSpec[] | undefined;
}

type Known = FieldType | "any";

/** The fields every path to a point has provided (`open`: a result of unknown shape was merged). */
interface Env {
  readonly fields: ReadonlyMap<string, Known>;
  readonly open: boolean;
}

export interface CheckResult {
  readonly errors: FieldErrors;
  /** The services the definition names that are not registered, in order of appearance. */
  readonly unknownServices: readonly string[];
}

function meetType(a: Known, b: Known): Known {
  if (a === b) return a;
  if ((a === "int" && b === "number") || (a === "number" && b === "int")) return "number";
  return "any";
}

function meet(a: Env | undefined, b: Env): Env {
  if (a === undefined) return b;
  const fields = new Map<string, Known>();
  for (const [k, t] of a.fields) {
    const u = b.fields.get(k);
    if (u !== undefined) fields.set(k, meetType(t, u));
    else if (b.open) fields.set(k, "any");
  }
  if (a.open) for (const [k] of b.fields) if (!fields.has(k)) fields.set(k, "any");
  return { fields, open: a.open && b.open };
}

const sameEnv = (a: Env, b: Env) =>
  a.open === b.open &&
  a.fields.size === b.fields.size &&
  [...a.fields].every(([k, t]) => b.fields.get(k) === t);

function withFields(env: Env, add: Iterable<[string, Known]>, open = false): Env {
  const list = [...add];
  // Nothing new (a chain of calls to services with the same outputs): the same env, not a copy.
  if ((env.open || !open) && list.every(([k, t]) => env.fields.get(k) === t)) return env;
  const fields = new Map(env.fields);
  for (const [k, t] of list) fields.set(k, t);
  return { fields, open: env.open || open };
}

const accepts = (wanted: FieldType, given: Known) =>
  given === "any" || given === wanted || (wanted === "number" && given === "int");

const rootOf = (path: string) => path.split(".")[0]!;

class Checker {
  readonly sink = new ErrorSink();
  readonly unknown: string[] = [];
  private readonly ids = new Set<string>();
  private readonly effects = new Set<string>();

  constructor(
    private readonly def: FlowDefinition,
    private readonly lookup: (name: string) => ServiceShape | undefined,
  ) {
    const collect = (steps: readonly Step[]) => {
      for (const s of steps) {
        this.ids.add(s.id);
        if (s.type === "call" || s.type === "wait") this.effects.add(s.id);
        if (s.type === "parallel") for (const b of s.branches) collect(b);
      }
    };
    collect(def.steps);
  }

  run(topPath: string): void {
    const start: Env = { fields: new Map(this.def.inputs.map((f) => [f.name, f.type])), open: false };
    const end = this.sequence(this.def.steps, topPath, start);
    if (end === undefined) {
      if (this.def.outputs.length > 0) this.sink.add("outputs", "No path of the flow reaches its end.");
      return;
    }
    this.def.outputs.forEach((f, i) => {
      if (f.required === false) return;
      this.need(end, f.name, f.type, `outputs.${i}`, `the flow's output "${f.name}"`);
    });
  }

  private service(step: { service: string }, path: string): ServiceShape | undefined {
    const shape = this.lookup(step.service);
    if (shape === undefined) {
      this.sink.add(join(path, "service"), `Unknown service "${step.service}".`);
      if (!this.unknown.includes(step.service)) this.unknown.push(step.service);
    }
    return shape;
  }

  /** The environment at the end of a sequence (undefined when no path ends normally); reports as it goes. */
  private sequence(steps: readonly Step[], path: string | undefined, start: Env): Env | undefined {
    const index = new Map(steps.map((s, i) => [s.id, i]));
    const envs: (Env | undefined)[] = steps.map(() => undefined);
    let end: Env | undefined;
    const flow = (target: string | undefined, from: number, env: Env) => {
      const t = target ?? (from + 1 < steps.length ? steps[from + 1]!.id : END);
      if (t === END) {
        end = meet(end, env);
        return undefined;
      }
      const i = index.get(t);
      if (i === undefined) return undefined;
      const next = meet(envs[i], env);
      if (envs[i] !== undefined && sameEnv(envs[i]!, next)) return undefined;
      envs[i] = next;
      return i;
    };
    if (steps.length > 0) envs[0] = start;
    const work = steps.length > 0 ? [0] : [];
    // Fixpoint over the steps' graph (silent), then one reporting pass with the final environments.
    while (work.length > 0) {
      const i = work.pop()!;
      for (const [target, env] of this.edges(steps[i]!, envs[i]!, undefined))
        for (const j of [flow(target, i, env)]) if (j !== undefined) work.push(j);
    }
    if (path === undefined) return end;
    steps.forEach((s, i) => {
      const at = join(path, i);
      const env = envs[i];
      if (env === undefined) {
        this.sink.add(at, `Step "${s.id}" is unreachable.`);
        return;
      }
      for (const [target] of this.edges(s, env, at)) {
        if (target !== undefined && target !== END && !index.has(target)) {
          const key =
            s.type === "choice"
              ? "choices"
              : s.type === "call" && s.catch?.next === target
                ? "catch.next"
                : "next";
          this.sink.add(
            join(at, key),
            this.ids.has(target)
              ? `Step "${target}" is in another sequence: a jump stays in its own.`
              : `No step "${target}".`,
          );
        }
      }
    });
    return end;
  }

  /** Where a step may go on and with which fields; `report` (a path) turns on the checks of its inputs. */
  private edges(s: Step, env: Env, report: string | undefined): [string | undefined, Env][] {
    switch (s.type) {
      case "call": {
        const shape = report === undefined ? this.lookup(s.service) : this.service(s, report);
        if (report !== undefined && shape !== undefined)
          this.inputs(s.input, shape.inputs, env, report, s.service, "input");
        const ok = this.afterCall(s, shape, env);
        if (report !== undefined && s.compensate !== undefined) {
          const c = this.service(s.compensate, join(report, "compensate"));
          if (c !== undefined)
            this.inputs(
              s.compensate.input,
              c.inputs,
              ok,
              join(report, "compensate"),
              s.compensate.service,
              "input",
            );
        }
        const out: [string | undefined, Env][] = [[s.next, ok]];
        if (s.catch !== undefined)
          out.push([
            s.catch.next,
            s.catch.as === undefined ? env : withFields(env, [[s.catch.as, "object"]]),
          ]);
        return out;
      }
      case "choice":
        if (report !== undefined)
          s.choices.forEach((c, i) => {
            const at = join(report, `choices.${i}.when`);
            if ("outcome" in c.when) {
              if (!this.effects.has(c.when.outcome))
                this.sink.add(join(at, "outcome"), `No call or wait step "${c.when.outcome}".`);
            } else if (!("exists" in c.when))
              this.need(env, rootOf(c.when.field), undefined, join(at, "field"), "the choice");
          });
        return [...s.choices.map((c) => [c.next, env] as [string, Env]), [s.default, env]];
      case "parallel": {
        let out = env;
        s.branches.forEach((b, i) => {
          const end = this.sequence(b, report === undefined ? undefined : join(report, `branches.${i}`), env);
          if (end !== undefined) out = withFields(out, end.fields, end.open);
        });
        return [[s.next, out]];
      }
      case "wait":
        return [
          [
            s.next,
            withFields(
              env,
              (s.fields ?? []).map((f) => [f.name, f.type]),
            ),
          ],
        ];
      case "succeed":
        return [[END, env]];
      case "fail":
        return [];
    }
  }

  private afterCall(s: CallStep, shape: ServiceShape | undefined, env: Env): Env {
    if (s.into !== undefined) return withFields(env, [[s.into, "any"]]);
    const outputs = shape?.outputs;
    if (s.output !== undefined) {
      return withFields(
        env,
        Object.entries(s.output).map(([k, p]): [string, Known] => {
          const f = p.includes(".") ? undefined : outputs?.find((o) => o.name === p);
          return [k, f?.type ?? "any"];
        }),
      );
    }
    if (outputs === undefined) return withFields(env, [], true);
    return withFields(
      env,
      outputs.map((f) => [f.name, f.type]),
    );
  }

  private inputs(
    mapping: Readonly<Record<string, Source>> | undefined,
    fields: readonly FieldSpec[],
    env: Env,
    at: string,
    service: string,
    key: string,
  ): void {
    for (const f of fields) {
      const source = mapping !== undefined && Object.hasOwn(mapping, f.name) ? mapping[f.name] : undefined;
      const where = join(at, `${key}.${f.name}`);
      if (source !== undefined && typeof source !== "string") {
        const t = typeOfValue(source.value);
        if (!fits(f.type, source.value))
          this.sink.add(where, `The value is ${t} but service "${service}" takes ${f.type}.`);
        continue;
      }
      if (source === undefined && f.required === false) continue;
      const path = source ?? f.name;
      this.need(env, rootOf(path), path.includes(".") ? undefined : f.type, where, `service "${service}"`);
    }
    if (mapping !== undefined && fields.length > 0)
      for (const k of Object.keys(mapping))
        if (!fields.some((f) => f.name === k))
          this.sink.add(join(at, `${key}.${k}`), `Service "${service}" takes no input "${k}".`);
  }

  private need(env: Env, name: string, type: FieldType | undefined, where: string, who: string): void {
    const given = env.fields.get(name);
    if (given === undefined) {
      if (!env.open) this.sink.add(where, `No flow input or earlier step provides "${name}".`);
      return;
    }
    if (type !== undefined && !accepts(type, given))
      this.sink.add(where, `"${name}" is ${given} here but ${who} takes ${type}.`);
  }
}

/**
 * Checks a definition against the registry: unknown services, unreachable steps, jumps to no step,
 * a step input (or a flow output) that no flow input or earlier step provides on every path, type
 * mismatches, and loops that cannot end (see endless-loops.ts). Problems are reported field by field.
 */
export function checkDefinition(
  def: FlowDefinition,
  lookup: (name: string) => ServiceShape | undefined,
  stepsPath = "steps",
): CheckResult {
  const c = new Checker(def, lookup);
  c.run(stepsPath);
  reportEndlessLoops(def.steps, stepsPath, c.sink);
  return { errors: c.sink.errors, unknownServices: c.unknown };
}
