import { ErrorSink, type FieldErrors, isRecord, join } from "./field-errors.js";

/**
 * The size a submitted definition may have. A definition is read, checked (types on every path,
 * endless loops) and drawn in time that grows with its size, on the node's event loop: these bounds
 * keep the worst accepted one to a few tens of milliseconds (see the README, Definitions).
 */
export const definitionLimits = {
  /** Steps of a flow in all (machinery's `services`, `steps` with every branch's, or States Language states with every branch's and Map's). */
  steps: 1000,
  /** Choices of a flow's choice steps in all (each is a condition to read and check). */
  choices: 1000,
  /** Items of any one list of the document (choices, fields, branches, a value's array…). */
  listItems: 1000,
  /** Data fields a flow names: its inputs, and what its steps write (`output` keys, `into`, `catch.as`, a wait's `fields`). */
  fields: 200,
  /** Levels of objects and arrays inside one another, the document itself the first. */
  depth: 64,
} as const;

const count = (n: number) => n.toLocaleString("en-US");

/** The data fields a step names as it writes them. */
function fieldsWritten(s: Readonly<Record<string, unknown>>): number {
  let n = 0;
  if (isRecord(s.output)) n += Object.keys(s.output).length;
  if (s.into !== undefined) n++;
  if (isRecord(s.catch) && s.catch.as !== undefined) n++;
  if (Array.isArray(s.fields)) n += s.fields.length;
  return n;
}

/** The steps of a `steps` list with every parallel branch's, and the fields they write, counted without recursion. */
function countSteps(steps: readonly unknown[]): { steps: number; fields: number; choices: number } {
  let n = 0;
  let fields = 0;
  let choices = 0;
  const work: (readonly unknown[])[] = [steps];
  while (work.length > 0) {
    const list = work.pop()!;
    n += list.length;
    for (const s of list) {
      if (!isRecord(s)) continue;
      fields += fieldsWritten(s);
      if (Array.isArray(s.choices)) choices += s.choices.length;
      if (Array.isArray(s.branches)) for (const b of s.branches) if (Array.isArray(b)) work.push(b);
    }
  }
  return { steps: n, fields, choices };
}

/** The states of a States Language machine with every Parallel branch's and Map processor's. */
function countStates(machine: unknown): number {
  let n = 0;
  const work: unknown[] = [machine];
  while (work.length > 0) {
    const m = work.pop();
    if (!isRecord(m) || !isRecord(m.States)) continue;
    for (const s of Object.values(m.States)) {
      n++;
      if (!isRecord(s)) continue;
      if (Array.isArray(s.Branches)) work.push(...s.Branches.slice(0, definitionLimits.listItems));
      work.push(s.ItemProcessor, s.Iterator);
    }
  }
  return n;
}

/** Reports lists over the limit and nesting over the limit, walking the document without recursion. */
function reportShape(doc: unknown, sink: ErrorSink): void {
  const work: [unknown, string, number][] = [[doc, "", 1]];
  while (work.length > 0) {
    const [v, path, depth] = work.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (depth > definitionLimits.depth) {
      sink.add(path, `Nested deeper than ${definitionLimits.depth} levels of objects and lists.`);
      continue;
    }
    if (Array.isArray(v) && v.length > definitionLimits.listItems)
      sink.add(
        path,
        `A list holds at most ${count(definitionLimits.listItems)} items (this one ${count(v.length)}).`,
      );
    for (const [k, child] of Object.entries(v)) work.push([child, join(path, k), depth + 1]);
  }
}

/**
 * The problems of a definition too large to accept, or undefined: checked before anything whose
 * time grows faster than the document's length (the schema, the type checks, the loop search, the
 * States Language validator), each under its field, so that no definition can hold the node's
 * event loop. See {@link definitionLimits}.
 *
 * @example
 * definitionSizeErrors({ name: "h", services: Array(100_000).fill("upper") });
 * // { services: ["A list holds at most 1,000 items (this one 100,000).", "A flow holds at most 1,000 steps …"] }
 */
export function definitionSizeErrors(doc: unknown): FieldErrors | undefined {
  if (!isRecord(doc)) return undefined;
  const sink = new ErrorSink();
  reportShape(doc, sink);
  const tooMany = (path: string, n: number) => {
    if (n > definitionLimits.steps)
      sink.add(
        path,
        `A flow holds at most ${count(definitionLimits.steps)} steps, every branch's counted (this one ${count(n)}).`,
      );
  };
  if (Array.isArray(doc.services)) tooMany("services", doc.services.length);
  const inputs = Array.isArray(doc.inputs) ? doc.inputs.length : 0;
  const written = Array.isArray(doc.steps) ? countSteps(doc.steps) : { steps: 0, fields: 0, choices: 0 };
  if (Array.isArray(doc.steps)) tooMany("steps", written.steps);
  if (written.choices > definitionLimits.choices)
    sink.add(
      "steps",
      `A flow holds at most ${count(definitionLimits.choices)} choices in all (this one ${count(written.choices)}).`,
    );
  if (inputs + written.fields > definitionLimits.fields)
    sink.add(
      Array.isArray(doc.steps) ? "steps" : "inputs",
      `A flow names at most ${definitionLimits.fields} data fields: its inputs and those its steps write (this one ${count(inputs + written.fields)}).`,
    );
  if (isRecord(doc.definition)) tooMany("definition.States", countStates(doc.definition));
  return sink.empty ? undefined : sink.errors;
}
