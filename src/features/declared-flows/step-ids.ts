import { END, type Step } from "./definition.js";
import { isRecord } from "./field-errors.js";
import { stepId, stepTypes } from "./step-schema.js";

/** A step id given twice (or `"end"`), at the path of the second. */
export interface DuplicateId {
  readonly path: readonly (string | number)[];
  readonly id: string;
}

/**
 * Settles the id of every step, in document order (a parallel step before its branches): the id
 * it was given, or its service's name for a call, else `<type>-<position>`, made unique with `-2`,
 * `-3`… An id given twice, or `"end"`, is a duplicate.
 *
 * It reads steps as the schema left them, so the duplicates are known even when other parts of the
 * document are wrong: a step that is not a mapping or has no known type takes no id, and the
 * branches of a parallel step with fewer than two are not read.
 *
 * @example
 * settleStepIds([{ type: "call", service: "upper" }, { type: "call", service: "upper" }]).steps.map((s) => s.id) // ["upper", "upper-2"]
 */
export function settleStepIds(
  steps: readonly unknown[],
  at: readonly (string | number)[],
): { steps: Step[]; duplicates: DuplicateId[] } {
  const ids = new Set<string>();
  // The next suffix to try per fallback: counting up from 2 each time made a list of n steps of the
  // same service quadratic (100,000 froze the node).
  const suffixes = new Map<string, number>();
  const duplicates: DuplicateId[] = [];
  const settle = (list: readonly unknown[], path: readonly (string | number)[]): unknown[] =>
    list.map((raw, index) => {
      const s = typeof raw === "string" ? { service: raw } : raw;
      if (!isRecord(s)) return raw;
      const type = s.type ?? (s.service !== undefined ? "call" : undefined);
      if (!(stepTypes as readonly unknown[]).includes(type)) return raw;
      const given = typeof s.id === "string" && stepId.test(s.id) ? s.id : undefined;
      if (given !== undefined && (ids.has(given) || given === END))
        duplicates.push({ path: [...path, index, "id"], id: given });
      let id = given;
      if (id === undefined) {
        const fallback =
          type === "call" && typeof s.service === "string" && stepId.test(s.service)
            ? s.service
            : `${type}-${index + 1}`;
        id = fallback;
        let n = suffixes.get(fallback) ?? 2;
        while (ids.has(id)) id = `${fallback}-${n++}`;
        suffixes.set(fallback, n);
      }
      ids.add(id);
      const { id: _given, ...rest } = s;
      if (type !== "parallel" || !Array.isArray(s.branches) || s.branches.length < 2) return { id, ...rest };
      const branches = s.branches.map((b: unknown, i) =>
        Array.isArray(b) ? settle(b, [...path, index, "branches", i]) : b,
      );
      return { id, ...rest, branches };
    });
  return { steps: settle(steps, at) as Step[], duplicates };
}
