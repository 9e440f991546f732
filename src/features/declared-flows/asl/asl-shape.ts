import { type ErrorSink, isRecord, join, messages } from "../field-errors.js";

/**
 * Reports every machine of a States Language document whose `States` is not a mapping of mappings
 * (the definition's, each Parallel branch's, each Map's `ItemProcessor` or `Iterator`), walking it
 * without recursion. asl-validator throws on such a machine (`{"States":"x"}`, `{"A":null}`, a
 * branch whose States is 7) instead of reporting it, which answered 500: it is called only on a
 * document that passed this.
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
