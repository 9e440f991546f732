import { type ErrorSink, isRecord, join } from "../field-errors.js";
import { statesOf } from "./asl-definition.js";
import type { AslMachine, AslState } from "./asl-types.js";
import { choiceOperators } from "./choice-rules.js";
import { intrinsicCalls, intrinsicNames } from "./intrinsic-functions.js";

const io = ["InputPath", "OutputPath"];
const result = ["ResultPath", "Parameters", "ResultSelector", "Retry", "Catch"];
const common = ["Type", "Comment", "Next", "End", "QueryLanguage"];

/** The fields Tesserae runs, per state type: any other is refused at submission, never ignored. */
const supportedFields: Record<string, readonly string[]> = {
  Pass: [...io, "ResultPath", "Parameters", "Result"],
  Task: [...io, ...result, "Resource", "TimeoutSeconds", "TimeoutSecondsPath"],
  Choice: [...io, "Choices", "Default"],
  Wait: [...io, "Seconds", "SecondsPath", "Timestamp", "TimestampPath"],
  Succeed: io,
  Fail: ["Error", "Cause", "ErrorPath", "CausePath"],
  Parallel: [...io, ...result, "Branches"],
  Map: [...io, ...result, "ItemsPath", "ItemSelector", "Iterator", "ItemProcessor", "MaxConcurrency"],
};
const retrierFields = [
  "ErrorEquals",
  "IntervalSeconds",
  "MaxAttempts",
  "BackoffRate",
  "MaxDelaySeconds",
  "JitterStrategy",
  "Comment",
];
const catcherFields = ["ErrorEquals", "Next", "ResultPath", "Comment"];
const machineFields = ["StartAt", "States", "Comment", "Version", "QueryLanguage"];
const unsupported = "Not supported by Tesserae's States Language runner.";

function onlyFields(
  obj: Readonly<Record<string, unknown>>,
  allowed: readonly string[],
  path: string,
  sink: ErrorSink,
) {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) sink.add(join(path, k), unsupported);
}

function checkRule(rule: unknown, path: string, sink: ErrorSink): void {
  if (!isRecord(rule)) return;
  for (const combinator of ["And", "Or"]) {
    if (Array.isArray(rule[combinator])) {
      (rule[combinator] as unknown[]).forEach((r, i) => {
        checkRule(r, join(join(path, combinator), i), sink);
      });
      return;
    }
  }
  if (isRecord(rule.Not)) {
    checkRule(rule.Not, join(path, "Not"), sink);
    return;
  }
  for (const k of Object.keys(rule))
    if (!["Variable", "Next", "Comment"].includes(k) && !choiceOperators.includes(k))
      sink.add(join(path, k), unsupported);
}

/** Every intrinsic call of a payload template: the parser's errors and unknown functions are field errors. */
/** An intrinsic call (a payload template's value, a Fail's ErrorPath or CausePath): the parser's errors and unknown functions. */
function checkIntrinsic(text: string, at: string, sink: ErrorSink): void {
  try {
    for (const fn of intrinsicCalls(text))
      if (!intrinsicNames.includes(fn)) sink.add(at, `Unknown intrinsic function ${fn}.`);
  } catch (err) {
    sink.add(at, err instanceof Error ? err.message : String(err));
  }
}

function checkTemplate(template: unknown, path: string, sink: ErrorSink): void {
  if (Array.isArray(template)) {
    template.forEach((v, i) => {
      checkTemplate(v, join(path, i), sink);
    });
    return;
  }
  if (!isRecord(template)) return;
  for (const [k, v] of Object.entries(template)) {
    const at = join(path, k);
    if (k.endsWith(".$") && typeof v === "string" && !v.startsWith("$")) checkIntrinsic(v, at, sink);
    else checkTemplate(v, at, sink);
  }
}

function checkState(path: string, s: AslState, sink: ErrorSink): void {
  const allowed = supportedFields[s.Type];
  if (allowed === undefined) {
    sink.add(join(path, "Type"), `The state type ${s.Type} is not supported.`);
    return;
  }
  onlyFields(s, [...common, ...allowed], path, sink);
  if (s.QueryLanguage !== undefined && s.QueryLanguage !== "JSONPath")
    sink.add(join(path, "QueryLanguage"), "Only JSONPath is supported (not JSONata).");
  for (const key of ["Parameters", "ResultSelector", "ItemSelector"])
    checkTemplate(s[key], join(path, key), sink);
  for (const key of ["ErrorPath", "CausePath"]) {
    const v = s[key];
    if (s.Type === "Fail" && typeof v === "string" && !v.startsWith("$"))
      checkIntrinsic(v, join(path, key), sink);
  }
  if (Array.isArray(s.Retry))
    (s.Retry as unknown[]).forEach((r, i) => {
      if (isRecord(r)) onlyFields(r, retrierFields, join(join(path, "Retry"), i), sink);
    });
  if (Array.isArray(s.Catch))
    (s.Catch as unknown[]).forEach((c, i) => {
      if (isRecord(c)) onlyFields(c, catcherFields, join(join(path, "Catch"), i), sink);
    });
  if (s.Type === "Choice" && Array.isArray(s.Choices))
    (s.Choices as unknown[]).forEach((r, i) => {
      checkRule(r, join(join(path, "Choices"), i), sink);
    });
  if (s.Type === "Map") {
    const p = s.ItemProcessor;
    if (isRecord(p)) {
      onlyFields(p, [...machineFields, "ProcessorConfig"], join(path, "ItemProcessor"), sink);
      const config = p.ProcessorConfig;
      if (isRecord(config) && config.Mode !== undefined && config.Mode !== "INLINE")
        sink.add(
          join(join(path, "ItemProcessor"), "ProcessorConfig.Mode"),
          "Only INLINE Map processing is supported.",
        );
    }
    if (isRecord(s.Iterator)) onlyFields(s.Iterator, machineFields, join(path, "Iterator"), sink);
  }
  if (s.Type === "Parallel" && Array.isArray(s.Branches))
    (s.Branches as unknown[]).forEach((b, i) => {
      if (isRecord(b)) onlyFields(b, machineFields, join(join(path, "Branches"), i), sink);
    });
  if (s.Type === "Task" && typeof s.Resource === "string" && s.Resource.startsWith("arn:"))
    sink.add(
      join(path, "Resource"),
      "AWS resources (arn:…) are not supported: give a registered service's name or service.entry.",
    );
}

/**
 * Tesserae's own checks of a machine the validator accepted: every field, state type, Choice
 * operator and intrinsic function it does not run is a field error under its JSON path
 * (`definition.States.Fetch.HeartbeatSeconds`), so that nothing is silently ignored.
 */
export function checkAslMachine(machine: AslMachine, sink: ErrorSink): void {
  onlyFields(machine as unknown as Record<string, unknown>, machineFields, "definition", sink);
  if (machine.QueryLanguage !== undefined && machine.QueryLanguage !== "JSONPath")
    sink.add("definition.QueryLanguage", "Only JSONPath is supported (not JSONata).");
  for (const [path, , s] of statesOf(machine)) checkState(path, s, sink);
}
