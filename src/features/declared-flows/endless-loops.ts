import { END, type Step } from "./definition.js";
import { type ErrorSink, join } from "./field-errors.js";

/** What the steps of a loop may change: data fields (`any`: fields no one can name), and outcomes. */
interface Writes {
  readonly fields: Set<string>;
  any: boolean;
  readonly outcomes: Set<string>;
}

const rootOf = (path: string) => path.split(".")[0]!;

function addWrites(s: Step, w: Writes): void {
  switch (s.type) {
    case "call":
      w.outcomes.add(s.id);
      // A result merged whole may hold any field (undeclared ones are merged as they are).
      if (s.into !== undefined) w.fields.add(s.into);
      else if (s.output !== undefined) for (const k of Object.keys(s.output)) w.fields.add(k);
      else w.any = true;
      if (s.catch?.as !== undefined) w.fields.add(s.catch.as);
      return;
    case "wait":
      w.outcomes.add(s.id);
      // A signal's payload is merged whole (its declared fields are checked, others pass).
      if (s.signal !== undefined) w.any = true;
      return;
    case "parallel":
      for (const b of s.branches) for (const t of b) addWrites(t, w);
      return;
    default:
      return;
  }
}

/** Whether a choice decides the same way on every turn of a loop that writes `w`. */
function frozen(s: Step, w: Writes): boolean {
  if (s.type !== "choice") return false;
  return s.choices.every(({ when }) =>
    "outcome" in when ? !w.outcomes.has(when.outcome) : !w.any && !w.fields.has(rootOf(when.field)),
  );
}

/**
 * The strongly connected sets of `nodes` that hold a cycle (Tarjan), over the edges inside `nodes`.
 * Iterative, with an explicit stack of (step, next edge): a recursive walk overflowed the call stack
 * on a chain of some ten thousand steps (a definition that answered 500 and froze the node).
 */
function cycles(nodes: ReadonlySet<number>, succ: readonly (readonly number[])[]): number[][] {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const stack: number[] = [];
  const on = new Set<number>();
  const out: number[][] = [];
  let n = 0;
  const enter = (v: number) => {
    index.set(v, n);
    low.set(v, n++);
    stack.push(v);
    on.add(v);
  };
  for (const root of nodes) {
    if (index.has(root)) continue;
    enter(root);
    const walk: [number, number][] = [[root, 0]];
    while (walk.length > 0) {
      const top = walk[walk.length - 1]!;
      const v = top[0];
      const edges = succ[v]!;
      if (top[1] < edges.length) {
        const t = edges[top[1]++]!;
        if (!nodes.has(t)) continue;
        if (!index.has(t)) {
          enter(t);
          walk.push([t, 0]);
        } else if (on.has(t)) low.set(v, Math.min(low.get(v)!, index.get(t)!));
        continue;
      }
      walk.pop();
      const parent = walk[walk.length - 1];
      if (parent !== undefined) low.set(parent[0], Math.min(low.get(parent[0])!, low.get(v)!));
      if (low.get(v) !== index.get(v)) continue;
      const set: number[] = [];
      let t: number;
      do {
        t = stack.pop()!;
        on.delete(t);
        set.push(t);
      } while (t !== v);
      if (set.length > 1 || edges.includes(v)) out.push(set.sort((a, b) => a - b));
    }
  }
  return out;
}

/** Where each step of a sequence may go on: indexes of steps, or -1 (the end, a failure, another sequence). */
function successors(steps: readonly Step[]): number[][] {
  const index = new Map(steps.map((s, i) => [s.id, i]));
  return steps.map((s, i) => {
    const to = (target: string | undefined) => {
      const t = target ?? (i + 1 < steps.length ? steps[i + 1]!.id : END);
      return t === END ? -1 : (index.get(t) ?? -1);
    };
    switch (s.type) {
      case "call":
        return s.catch === undefined ? [to(s.next)] : [to(s.next), to(s.catch.next)];
      case "choice":
        return [...s.choices.map((c) => to(c.next)), to(s.default)];
      case "parallel":
      case "wait":
        return [to(s.next)];
      default:
        return [-1];
    }
  });
}

/**
 * The loops of one sequence that cannot end, found as sets of steps an execution can enter and
 * never leave. A set is such a trap when it is strongly connected and every step of it either
 * leads only into the set, or is a choice that decides the same way on every turn — a choice none
 * of whose conditions reads a field or an outcome that a step of the set may change. Starting from
 * each loop of the sequence, the steps that may leave it are dropped and the rest is searched
 * again, down to a trap or to no loop. Conditions are not solved: a trap is reported even when the
 * choices' conditions could never all hold together.
 */
function traps(steps: readonly Step[]): number[][] {
  const succ = successors(steps);
  const found: number[][] = [];
  const work = cycles(new Set(steps.keys()), succ);
  while (work.length > 0) {
    const set = work.pop()!;
    const inside = new Set(set);
    const w: Writes = { fields: new Set(), any: false, outcomes: new Set() };
    for (const i of set) addWrites(steps[i]!, w);
    const keep = new Set(set.filter((i) => frozen(steps[i]!, w) || succ[i]!.every((t) => inside.has(t))));
    if (keep.size === set.length) found.push(set);
    else work.push(...cycles(keep, succ));
  }
  return found;
}

function problem(steps: readonly Step[], set: readonly number[]): string {
  const ids = set.map((i) => `"${steps[i]!.id}"`).join(", ");
  const inside = new Set(set);
  const succ = successors(steps);
  if (set.every((i) => succ[i]!.every((t) => inside.has(t))))
    return `The loop of steps ${ids} has no way out.`;
  const reads = new Set<string>();
  for (const i of set) {
    const s = steps[i]!;
    if (s.type === "choice")
      for (const { when } of s.choices)
        reads.add("outcome" in when ? `the outcome of "${when.outcome}"` : `"${rootOf(when.field)}"`);
  }
  return (
    `The loop of steps ${ids} never ends once it goes round: its only ways out are choices on ` +
    `${[...reads].join(", ")}, which no step of the loop changes.`
  );
}

/**
 * Reports, under the first step of each, the loops of a definition that cannot end (see
 * {@link traps}): a loop with no way out, or whose only ways out are choices on data the loop never
 * changes (`{"id":"c","type":"choice","choices":[{"when":{"field":"v","gt":0},"next":"c"}]}`
 * goes round forever once `v` is over 0). Each sequence (the flow, each branch of a parallel) is
 * searched on its own, as a jump stays in its own sequence.
 *
 * @example
 * const sink = new ErrorSink();
 * reportEndlessLoops(definition.steps, "steps", sink); // sink.errors: { "steps.0": ["The loop of steps \"c\" never ends …"] }
 */
export function reportEndlessLoops(steps: readonly Step[], path: string, sink: ErrorSink): void {
  // A work list rather than recursion: parallels may nest.
  const work: [readonly Step[], string][] = [[steps, path]];
  for (let k = 0; k < work.length; k++) {
    const [seq, at] = work[k]!;
    for (const set of traps(seq)) sink.add(join(at, set[0]!), problem(seq, set));
    seq.forEach((s, i) => {
      if (s.type === "parallel")
        s.branches.forEach((b, j) => {
          work.push([b, join(join(at, i), `branches.${j}`)]);
        });
    });
  }
}
