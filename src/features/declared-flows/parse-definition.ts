import { toMs } from "../flows/duration.js";
import {
  type Condition,
  END,
  type FlowDefinition,
  outcomes,
  type Source,
  type Step,
  type StepRetry,
} from "./definition.js";
import { ErrorSink, type FieldErrors, isRecord, join, messages } from "./field-errors.js";
import { fieldName, parseFields } from "./parse-fields.js";

export const flowNamePattern = /^[A-Za-z][\w-]{0,99}$/;
const stepId = /^[A-Za-z][\w-]*$/;
const stepTypes = ["call", "choice", "parallel", "wait", "succeed", "fail"] as const;
const ops = ["equals", "notEquals", "gt", "gte", "lt", "lte", "exists"] as const;

const allowed: Record<(typeof stepTypes)[number], readonly string[]> = {
  call: [
    "id",
    "type",
    "service",
    "input",
    "output",
    "into",
    "retry",
    "timeout",
    "catch",
    "compensate",
    "next",
  ],
  choice: ["id", "type", "choices", "default"],
  parallel: ["id", "type", "branches", "next"],
  wait: ["id", "type", "duration", "signal", "timeout", "fields", "next"],
  succeed: ["id", "type"],
  fail: ["id", "type", "message"],
};

/** The result of reading a submitted definition: the definition, or every problem of its shape. */
export type Parsed =
  | { readonly ok: true; readonly definition: FlowDefinition }
  | { readonly ok: false; readonly errors: FieldErrors };

class Reader {
  readonly sink = new ErrorSink();
  private readonly ids = new Set<string>();

  str(v: unknown, path: string, required = false): string | undefined {
    if (v === undefined) {
      if (required) this.sink.add(path, messages.missing);
      return undefined;
    }
    if (typeof v !== "string") {
      this.sink.add(path, messages.string);
      return undefined;
    }
    return v;
  }

  /** A data field a step sets (`into`, `catch.as`). */
  dataField(v: unknown, path: string): string | undefined {
    const name = this.str(v, path);
    if (name === undefined || fieldName.test(name)) return name;
    this.sink.add(path, "Not a valid field name.");
    return undefined;
  }

  duration(v: unknown, path: string): string | number | undefined {
    if (v === undefined) return undefined;
    if (typeof v === "number" && Number.isFinite(v) && v >= 0) return v;
    if (typeof v === "string") {
      try {
        toMs(v as never);
        return v;
      } catch {
        /* reported below */
      }
    }
    this.sink.add(path, 'Not a valid duration: give milliseconds or "500ms", "10s", "5m", "2h", "1d".');
    return undefined;
  }

  sources(v: unknown, path: string): Record<string, Source> | undefined {
    if (v === undefined) return undefined;
    if (!isRecord(v)) {
      this.sink.add(path, messages.mapping);
      return undefined;
    }
    const out: Record<string, Source> = {};
    for (const [k, s] of Object.entries(v)) {
      if (!fieldName.test(k)) this.sink.add(join(path, k), "Not a valid field name.");
      if (typeof s === "string" && s !== "") out[k] = s;
      else if (isRecord(s) && "value" in s && Object.keys(s).length === 1) out[k] = { value: s.value };
      else this.sink.add(join(path, k), 'Give a field path ("order.id") or {"value": …}.');
    }
    return out;
  }

  id(v: unknown, path: string, fallback: string): string {
    let id = this.str(v, path);
    if (id !== undefined && !stepId.test(id)) {
      this.sink.add(path, 'Must be letters, digits, "_" or "-", starting with a letter.');
      id = undefined;
    } else if (id !== undefined && (this.ids.has(id) || id === END)) {
      this.sink.add(path, `Duplicate step id "${id}".`);
    }
    if (id === undefined) {
      id = fallback;
      for (let n = 2; this.ids.has(id); n++) id = `${fallback}-${n}`;
    }
    this.ids.add(id);
    return id;
  }

  steps(v: unknown, path: string, nested: boolean): Step[] {
    if (!Array.isArray(v)) {
      this.sink.add(path, v === undefined ? messages.missing : messages.list);
      return [];
    }
    if (v.length === 0) this.sink.add(path, "Give at least one step.");
    const out: Step[] = [];
    v.forEach((s, i) => {
      const step = this.step(s, join(path, i), i, nested);
      if (step !== undefined) out.push(step);
    });
    return out;
  }

  step(s: unknown, path: string, index: number, nested: boolean): Step | undefined {
    if (typeof s === "string") s = { service: s };
    if (!isRecord(s)) {
      this.sink.add(path, messages.mapping);
      return undefined;
    }
    const type = s.type ?? (s.service !== undefined ? "call" : undefined);
    if (type === undefined) {
      this.sink.add(join(path, "type"), messages.missing);
      return undefined;
    }
    if (typeof type !== "string" || !(stepTypes as readonly string[]).includes(type)) {
      this.sink.add(join(path, "type"), `Must be one of: ${stepTypes.join(", ")}.`);
      return undefined;
    }
    const t = type as (typeof stepTypes)[number];
    for (const k of Object.keys(s))
      if (!allowed[t].includes(k)) this.sink.add(join(path, k), messages.unknown);
    const fallback =
      t === "call" && typeof s.service === "string" && stepId.test(s.service)
        ? s.service
        : `${t}-${index + 1}`;
    const id = this.id(s.id, join(path, "id"), fallback);
    const next = this.str(s.next, join(path, "next"));
    const withNext = next === undefined ? {} : { next };
    switch (t) {
      case "call": {
        const service = this.str(s.service, join(path, "service"), true) ?? "";
        const input = this.sources(s.input, join(path, "input"));
        let output: Record<string, string> | undefined;
        if (s.output !== undefined) {
          if (!isRecord(s.output)) this.sink.add(join(path, "output"), messages.mapping);
          else {
            output = {};
            for (const [k, p] of Object.entries(s.output)) {
              if (!fieldName.test(k)) this.sink.add(join(path, `output.${k}`), "Not a valid field name.");
              if (typeof p === "string" && p !== "") output[k] = p;
              else this.sink.add(join(path, `output.${k}`), messages.string);
            }
          }
        }
        const into = this.dataField(s.into, join(path, "into"));
        if (into !== undefined && output !== undefined)
          this.sink.add(join(path, "into"), 'Give "into" or "output", not both.');
        const retry = this.retry(s.retry, join(path, "retry"));
        const timeout = this.duration(s.timeout, join(path, "timeout"));
        let catcher: { next?: string; as?: string } | undefined;
        if (s.catch !== undefined) {
          if (!isRecord(s.catch)) this.sink.add(join(path, "catch"), messages.mapping);
          else {
            for (const k of Object.keys(s.catch))
              if (k !== "next" && k !== "as") this.sink.add(join(path, `catch.${k}`), messages.unknown);
            const cn = this.str(s.catch.next, join(path, "catch.next"));
            const as = this.dataField(s.catch.as, join(path, "catch.as"));
            catcher = { ...(cn === undefined ? {} : { next: cn }), ...(as === undefined ? {} : { as }) };
          }
        }
        let compensate: { service: string; input?: Record<string, Source> } | undefined;
        if (s.compensate !== undefined) {
          if (!isRecord(s.compensate)) this.sink.add(join(path, "compensate"), messages.mapping);
          else {
            const cs = this.str(s.compensate.service, join(path, "compensate.service"), true);
            const ci = this.sources(s.compensate.input, join(path, "compensate.input"));
            if (cs !== undefined) compensate = { service: cs, ...(ci === undefined ? {} : { input: ci }) };
          }
        }
        return {
          id,
          type: t,
          service,
          ...(input === undefined ? {} : { input }),
          ...(output === undefined ? {} : { output }),
          ...(into === undefined ? {} : { into }),
          ...(retry === undefined ? {} : { retry }),
          ...(timeout === undefined ? {} : { timeout }),
          ...(catcher === undefined ? {} : { catch: catcher }),
          ...(compensate === undefined ? {} : { compensate }),
          ...withNext,
        };
      }
      case "choice": {
        const choices: { when: Condition; next: string }[] = [];
        if (!Array.isArray(s.choices))
          this.sink.add(join(path, "choices"), s.choices === undefined ? messages.missing : messages.list);
        else
          s.choices.forEach((c, i) => {
            const at = join(path, `choices.${i}`);
            if (!isRecord(c)) {
              this.sink.add(at, messages.mapping);
              return;
            }
            const when = this.condition(c.when, join(at, "when"));
            const cn = this.str(c.next, join(at, "next"), true);
            if (when !== undefined && cn !== undefined) choices.push({ when, next: cn });
          });
        const def = this.str(s.default, join(path, "default"));
        return { id, type: t, choices, ...(def === undefined ? {} : { default: def }) };
      }
      case "parallel": {
        if (nested) this.sink.add(path, "A parallel step cannot be inside another one.");
        const branches: Step[][] = [];
        if (!Array.isArray(s.branches) || s.branches.length < 2)
          this.sink.add(
            join(path, "branches"),
            Array.isArray(s.branches) ? "Give at least two branches." : messages.list,
          );
        else
          s.branches.forEach((b, i) => {
            branches.push(this.steps(b, join(path, `branches.${i}`), true));
          });
        return { id, type: t, branches, ...withNext };
      }
      case "wait": {
        const duration = this.duration(s.duration, join(path, "duration"));
        const signal = this.str(s.signal, join(path, "signal"));
        const timeout = this.duration(s.timeout, join(path, "timeout"));
        if ((s.duration === undefined) === (s.signal === undefined))
          this.sink.add(path, 'Give "duration" or "signal" (one of them).');
        if (signal !== undefined && !/^[a-zA-Z][\w.-]*$/.test(signal))
          this.sink.add(join(path, "signal"), 'Must be letters, digits, ".", "_" or "-".');
        if (timeout !== undefined && signal === undefined)
          this.sink.add(join(path, "timeout"), 'Only a wait for a "signal" takes a timeout.');
        const fields =
          s.fields === undefined ? undefined : parseFields(s.fields, join(path, "fields"), this.sink);
        return {
          id,
          type: t,
          ...(duration === undefined ? {} : { duration }),
          ...(signal === undefined ? {} : { signal }),
          ...(timeout === undefined ? {} : { timeout }),
          ...(fields === undefined ? {} : { fields }),
          ...withNext,
        };
      }
      case "succeed":
        return { id, type: t };
      case "fail": {
        const message = this.str(s.message, join(path, "message"));
        return { id, type: t, ...(message === undefined ? {} : { message }) };
      }
    }
  }

  retry(v: unknown, path: string): StepRetry | undefined {
    if (v === undefined) return undefined;
    if (!isRecord(v)) {
      this.sink.add(path, messages.mapping);
      return undefined;
    }
    for (const k of Object.keys(v))
      if (!["attempts", "delay", "backoff"].includes(k)) this.sink.add(join(path, k), messages.unknown);
    const { attempts, backoff } = v;
    if (!Number.isInteger(attempts) || (attempts as number) < 1 || (attempts as number) > 20) {
      this.sink.add(
        join(path, "attempts"),
        attempts === undefined ? messages.missing : "Must be an integer from 1 to 20.",
      );
      return undefined;
    }
    if (backoff !== undefined && (typeof backoff !== "number" || backoff < 1 || backoff > 10))
      this.sink.add(join(path, "backoff"), "Must be a number from 1 to 10.");
    const delay = this.duration(v.delay, join(path, "delay"));
    return {
      attempts: attempts as number,
      ...(delay === undefined ? {} : { delay }),
      ...(typeof backoff === "number" ? { backoff } : {}),
    };
  }

  condition(v: unknown, path: string): Condition | undefined {
    if (!isRecord(v)) {
      this.sink.add(path, v === undefined ? messages.missing : messages.mapping);
      return undefined;
    }
    if ("outcome" in v) {
      const step = this.str(v.outcome, join(path, "outcome"), true);
      const is = v.is;
      if (typeof is !== "string" || !(outcomes as readonly string[]).includes(is)) {
        this.sink.add(join(path, "is"), `Must be one of: ${outcomes.join(", ")}.`);
        return undefined;
      }
      for (const k of Object.keys(v))
        if (k !== "outcome" && k !== "is") this.sink.add(join(path, k), messages.unknown);
      return step === undefined ? undefined : { outcome: step, is: is as (typeof outcomes)[number] };
    }
    const field = this.str(v.field, join(path, "field"), true);
    const given = ops.filter((o) => o in v);
    for (const k of Object.keys(v))
      if (k !== "field" && !(ops as readonly string[]).includes(k))
        this.sink.add(join(path, k), messages.unknown);
    if (given.length !== 1) {
      this.sink.add(path, `Give one test of: ${ops.join(", ")}.`);
      return undefined;
    }
    const op = given[0]!;
    const value = v[op];
    if (["gt", "gte", "lt", "lte"].includes(op) && typeof value !== "number")
      this.sink.add(join(path, op), messages.number);
    if (op === "exists" && typeof value !== "boolean") this.sink.add(join(path, op), messages.boolean);
    return field === undefined ? undefined : ({ field, [op]: value } as Condition);
  }
}

/**
 * Reads a submitted definition: its shape, names and types, with every problem reported under its
 * field. Either `steps` or machinery's `services` (a list of service names called in order).
 *
 * @example
 * parseDefinition({ name: "shout", services: ["upper"], inputs: [{ name: "message", type: "string" }] })
 */
export function parseDefinition(doc: unknown): Parsed {
  const r = new Reader();
  if (!isRecord(doc)) return { ok: false, errors: { _schema: ["Invalid input type."] } };
  for (const k of Object.keys(doc))
    if (!["name", "description", "inputs", "outputs", "services", "steps"].includes(k))
      r.sink.add(k, messages.unknown);
  const name = r.str(doc.name, "name", true);
  if (name !== undefined && (!flowNamePattern.test(name) || name === "runs"))
    r.sink.add(
      "name",
      'Must be up to 100 letters, digits, "_" or "-", starting with a letter (and not "runs").',
    );
  const description = r.str(doc.description, "description");
  const inputs = parseFields(doc.inputs, "inputs", r.sink);
  const outputs = parseFields(doc.outputs, "outputs", r.sink);
  let steps: Step[] = [];
  if (doc.services !== undefined && doc.steps !== undefined)
    r.sink.add("services", 'Give "services" or "steps", not both.');
  else if (doc.steps !== undefined) steps = r.steps(doc.steps, "steps", false);
  else if (!Array.isArray(doc.services))
    r.sink.add("services", doc.services === undefined ? messages.missing : messages.list);
  else {
    doc.services.forEach((s, i) => {
      if (typeof s !== "string" || s === "") r.sink.add(`services.${i}`, messages.string);
      else steps.push(r.step({ service: s }, `services.${i}`, i, false)!);
    });
    if (doc.services.length === 0) r.sink.add("services", "Give at least one service.");
  }
  if (!r.sink.empty || name === undefined) return { ok: false, errors: r.sink.errors };
  return {
    ok: true,
    definition: { name, ...(description === undefined ? {} : { description }), inputs, outputs, steps },
  };
}
