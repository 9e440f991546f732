import { isRecord } from "../field-errors.js";
import { runtimeError } from "./asl-error.js";
import type { ContextObject, Json } from "./asl-types.js";
import { hasPath, queryPath } from "./json-path.js";

/** A Choice rule as submitted (checked at submission by the validator and {@link choiceOperators}). */
export type ChoiceRule = Readonly<Record<string, unknown>>;

const timestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const isTimestamp = (v: unknown): v is string =>
  typeof v === "string" && timestamp.test(v) && !Number.isNaN(Date.parse(v));

/** `StringMatches`: `*` matches any run of characters, `\*` a star, `\\` a backslash. */
function matches(value: string, pattern: string): boolean {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\" && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else if (c === "*") re += "[\\s\\S]*";
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`).test(value);
}

type Compare = (a: Json, b: Json) => boolean;

const typed =
  (is: (v: unknown) => boolean, cmp: (a: never, b: never) => boolean): Compare =>
  (a, b) =>
    is(a) && is(b) && cmp(a as never, b as never);
const isStr = (v: unknown) => typeof v === "string";
const isNum = (v: unknown) => typeof v === "number";
const time = (v: string) => Date.parse(v);

/** The type of value each family of operators compares. */
const families: Record<string, (v: unknown) => boolean> = {
  String: isStr,
  Numeric: isNum,
  Boolean: (v) => typeof v === "boolean",
  Timestamp: isTimestamp,
};

/** The comparison operators, without their `Path` form (the same test against another path's value). */
const comparisons: Record<string, Compare> = {
  StringEquals: typed(isStr, (a: string, b: string) => a === b),
  StringLessThan: typed(isStr, (a: string, b: string) => a < b),
  StringGreaterThan: typed(isStr, (a: string, b: string) => a > b),
  StringLessThanEquals: typed(isStr, (a: string, b: string) => a <= b),
  StringGreaterThanEquals: typed(isStr, (a: string, b: string) => a >= b),
  StringMatches: typed(isStr, (a: string, b: string) => matches(a, b)),
  NumericEquals: typed(isNum, (a: number, b: number) => a === b),
  NumericLessThan: typed(isNum, (a: number, b: number) => a < b),
  NumericGreaterThan: typed(isNum, (a: number, b: number) => a > b),
  NumericLessThanEquals: typed(isNum, (a: number, b: number) => a <= b),
  NumericGreaterThanEquals: typed(isNum, (a: number, b: number) => a >= b),
  BooleanEquals: typed(
    (v) => typeof v === "boolean",
    (a: boolean, b: boolean) => a === b,
  ),
  TimestampEquals: typed(isTimestamp, (a: string, b: string) => time(a) === time(b)),
  TimestampLessThan: typed(isTimestamp, (a: string, b: string) => time(a) < time(b)),
  TimestampGreaterThan: typed(isTimestamp, (a: string, b: string) => time(a) > time(b)),
  TimestampLessThanEquals: typed(isTimestamp, (a: string, b: string) => time(a) <= time(b)),
  TimestampGreaterThanEquals: typed(isTimestamp, (a: string, b: string) => time(a) >= time(b)),
};

/** The type tests: each compares what it finds with the rule's `true` or `false`. */
const typeTests: Record<string, (v: Json) => boolean> = {
  IsNull: (v) => v === null,
  IsNumeric: (v) => typeof v === "number",
  IsString: (v) => typeof v === "string",
  IsBoolean: (v) => typeof v === "boolean",
  IsTimestamp: (v) => isTimestamp(v),
};

/** Every operator a rule may use (a rule with none of them is refused at submission). */
export const choiceOperators: readonly string[] = [
  ...Object.keys(comparisons),
  ...Object.keys(comparisons).map((k) => `${k}Path`),
  ...Object.keys(typeTests),
  "IsPresent",
];

/** The operator of a rule with a `Variable` (the key that is neither `Variable`, `Next` nor `Comment`). */
export function operatorOf(rule: ChoiceRule): string | undefined {
  return Object.keys(rule).find((k) => k !== "Variable" && k !== "Next" && k !== "Comment");
}

/**
 * Whether a Choice rule holds for `input`: `And`, `Or`, `Not`, or a `Variable` tested by one
 * operator. A comparison of values of another type is false (as in Step Functions); a `Variable`
 * that names nothing is `States.Runtime`, except for `IsPresent`.
 */
export function ruleHolds(rule: ChoiceRule, input: Json, context: ContextObject): boolean {
  if (Array.isArray(rule.And)) return (rule.And as ChoiceRule[]).every((r) => ruleHolds(r, input, context));
  if (Array.isArray(rule.Or)) return (rule.Or as ChoiceRule[]).some((r) => ruleHolds(r, input, context));
  if (isRecord(rule.Not)) return !ruleHolds(rule.Not, input, context);
  const variable = rule.Variable as string;
  const op = operatorOf(rule);
  if (op === undefined) throw runtimeError("a Choice rule without an operator");
  const expected = rule[op] as Json;
  if (op === "IsPresent") return hasPath(variable, input, context) === expected;
  const value = queryPath(variable, input, context);
  const test = typeTests[op];
  if (test !== undefined) return test(value) === expected;
  if (op.endsWith("Path")) {
    const cmp = comparisons[op.slice(0, -4)];
    if (cmp === undefined) throw runtimeError(`unknown Choice operator ${op}`);
    const other = queryPath(expected as string, input, context);
    // The value a Path operator compares with must be of the operator's type (else States.Runtime).
    const family = Object.keys(families).find((f) => op.startsWith(f));
    if (family !== undefined && !families[family]!(other))
      throw runtimeError(`the path ${String(expected)} of ${op} does not name a value of its type`);
    return cmp(value, other);
  }
  const cmp = comparisons[op];
  if (cmp === undefined) throw runtimeError(`unknown Choice operator ${op}`);
  return cmp(value, expected);
}
