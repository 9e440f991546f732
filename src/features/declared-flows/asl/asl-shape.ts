import { type ErrorSink, isRecord, join, messages } from "../field-errors.js";

/** The fields of JSONata states, and what a JSONPath state uses instead. */
const jsonataFields: readonly [string, string][] = [
  ["Arguments", "Parameters"],
  ["Items", "ItemsPath"],
  ["Output", "OutputPath and ResultSelector"],
];

/**
 * Reports every machine of a States Language document whose `States` is not a mapping of mappings
 * (the definition's, each Parallel branch's, each Map's `ItemProcessor` or `Iterator`), walking it
 * without recursion. asl-validator throws on such a machine (`{"States":"x"}`, `{"A":null}`, a
 * branch whose States is 7) instead of reporting it, which answered 500: it is called only on a
 * document that passed this. The fields of JSONata states (`Arguments`, `Items`, `Output`) are
 * reported under their own paths too (the validator names the state's QueryLanguage instead).
 *
 * @example
 * reportAslShape({ StartAt: "A", States: { A: null } }, "definition", sink); // sink: { "definition.States.A": ["Not a valid mapping type."] }
 */
export function reportAslShape(machine: unknown, path: string, sink: ErrorSink): void {
  const work: [unknown, string][] = [[machine, path]];
  while (work.length > 0) {
    const [m, at] = work.pop()!;
    if (!isRecord(m)) {
      sink.add(at, messages.mapping);
      continue;
    }
    const states = m.States;
    if (!isRecord(states)) {
      sink.add(join(at, "States"), states === undefined ? messages.missing : messages.mapping);
      continue;
    }
    for (const [name, s] of Object.entries(states)) {
      const here = join(join(at, "States"), name);
      if (!isRecord(s)) {
        sink.add(here, messages.mapping);
        continue;
      }
      // JSONata's fields: asl-validator reports them as a wrong QueryLanguage, named here by their own.
      for (const [field, instead] of jsonataFields)
        if (s[field] !== undefined)
          sink.add(
            join(here, field),
            `${field} is a JSONata field and only JSONPath is supported: use ${instead}.`,
          );
      if (s.Type === "Parallel" && s.Branches !== undefined) {
        if (!Array.isArray(s.Branches)) sink.add(join(here, "Branches"), messages.list);
        else
          s.Branches.forEach((b, i) => {
            work.push([b, join(join(here, "Branches"), i)]);
          });
      }
      if (s.Type === "Map")
        for (const key of ["ItemProcessor", "Iterator"])
          if (s[key] !== undefined) work.push([s[key], join(here, key)]);
    }
  }
}

const isMachine = (m: unknown) =>
  isRecord(m) && isRecord(m.States) && Object.values(m.States).every((s) => isRecord(s));

/**
 * The keys asl-validator reads wherever they are in a document (it searches `$..States`,
 * `$..Branches`, `$..Iterator`, `$..Parameters`), with what it takes them to hold: a key of that
 * name in a state's data (a Pass state's `Result`, `Parameters`) holding anything else made it throw
 * a TypeError, whose message was the answer.
 */
const readAnywhere = new Map<string, readonly [(v: unknown) => boolean, string]>([
  ["States", [(v) => isRecord(v) && Object.values(v).every((s) => isRecord(s)), "a mapping of states"]],
  ["Branches", [(v) => Array.isArray(v) && v.every(isMachine), "a list of state machines"]],
  ["Iterator", [isMachine, "a state machine"]],
  ["Parameters", [(v) => v !== null, "a value other than null"]],
  ["ResultSelector", [(v) => v !== null, "a value other than null"]],
]);

/** Names that asl-validator reads as parts of a machine wherever they are: no state may have one. */
const machineParts = new Set(["States", "Branches", "Iterator"]);

/**
 * Reports, anywhere in a machine that passed {@link reportAslShape}, a key asl-validator reads as
 * part of a machine (`States`, `Branches`, `Iterator`, `Parameters`, `ResultSelector`) that holds
 * something it cannot read, and a state named `States`, `Branches` or `Iterator`: it throws on
 * those instead of reporting them. Walks without recursion.
 *
 * @example
 * reportValidatorTraps({ StartAt: "A", States: { A: { Type: "Pass", Result: { Branches: 3 }, End: true } } }, "definition", sink);
 * // sink: { "definition.States.A.Result.Branches": ["asl-validator reads every \"Branches\" key as a state machine's, even in a state's data: it must hold a list of state machines."] }
 */
export function reportValidatorTraps(machine: unknown, path: string, sink: ErrorSink): void {
  // Each node with whether it is a `States` mapping (its keys are state names).
  const work: [unknown, string, boolean][] = [[machine, path, false]];
  for (let top = work.pop(); top !== undefined; top = work.pop()) {
    const [node, at, states] = top;
    if (node === null || typeof node !== "object") continue;
    for (const [key, value] of Object.entries(node)) {
      const here = join(at, key);
      if (states && machineParts.has(key)) {
        sink.add(
          here,
          `A state cannot be named "${key}": asl-validator reads every "${key}" key as a state machine's.`,
        );
        continue;
      }
      const rule = Array.isArray(node) ? undefined : readAnywhere.get(key);
      if (rule !== undefined && !rule[0](value)) {
        sink.add(
          here,
          `asl-validator reads every "${key}" key as a state machine's, even in a state's data: it must hold ${rule[1]}.`,
        );
        continue;
      }
      work.push([value, here, key === "States" && !Array.isArray(node)]);
    }
  }
}
