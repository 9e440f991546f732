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
