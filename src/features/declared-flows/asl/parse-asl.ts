import { createHash } from "node:crypto";
import { flowNamePattern } from "../definition-schema.js";
import { ErrorSink, isRecord, messages } from "../field-errors.js";
import { checkAslMachine } from "./asl-checks.js";
import type { AslFlowDefinition } from "./asl-definition.js";
import { reportAslShape, reportValidatorTraps } from "./asl-shape.js";
import type { AslMachine } from "./asl-types.js";
import { type AslValidatorError, type AslVerdict, validateAslMachine } from "./asl-validator.js";

/**
 * The validator's verdicts by the definition's SHA-256, the most recent {@link verdictCacheSize}:
 * the checks after the schema's walk the machine again, and a definition is typically submitted
 * again and again (a deploy script, retries).
 */
const verdicts = new Map<string, AslVerdict>();
const verdictCacheSize = 256;

/** The validator's verdict on a machine, never a throw: a throw (a shape it did not expect) is an error at `definition`. */
function validate(machine: Readonly<Record<string, unknown>>): AslVerdict {
  const key = createHash("sha256").update(JSON.stringify(machine)).digest("base64");
  const known = verdicts.get(key);
  if (known !== undefined) {
    verdicts.delete(key);
    verdicts.set(key, known);
    return known;
  }
  let verdict: AslVerdict;
  try {
    // The validator writes into what it checks (a QueryLanguage on each state): it gets a copy.
    const v = validateAslMachine(structuredClone(machine));
    verdict = { isValid: v.isValid, errors: v.errors };
  } catch {
    // Never its message (a TypeError's, naming the validator's variables): what it could not read
    // is reported by reportValidatorTraps before it runs; this is for what that does not foresee.
    verdict = {
      isValid: false,
      errors: [{ "Error code": "INVALID", Message: "asl-validator could not check this machine." }],
    };
  }
  verdicts.set(key, verdict);
  if (verdicts.size > verdictCacheSize) verdicts.delete(verdicts.keys().next().value as string);
  return verdict;
}

/** The field path of a validator's error: its JSON pointer under `definition` (`/States/A` → `definition.States.A`). */
function pathOf(e: AslValidatorError): string {
  const pointer = e.schemaError?.instancePath;
  if (pointer !== undefined && pointer !== "")
    return `definition${pointer
      .split("/")
      .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
      .join(".")}`;
  return "definition";
}

const topFields = ["name", "language", "description", "definition"];

/** The result of reading a States Language submission. */
export type ParsedAsl =
  | { readonly ok: true; readonly definition: AslFlowDefinition }
  | { readonly ok: false; readonly errors: Record<string, string[]> };

/**
 * Reads `{"name", "language": "asl", "definition": {"StartAt", "States"}}`: the machine checked by
 * `asl-validator` (the field's validator: schema, transitions, paths) first, then by Tesserae's own
 * checks of what it runs; every problem is a field error under its JSON path.
 *
 * @example
 * parseAsl({ name: "hello", language: "asl", definition: { StartAt: "A", States: { A: { Type: "Succeed" } } } })
 */
export function parseAsl(doc: Readonly<Record<string, unknown>>): ParsedAsl {
  const sink = new ErrorSink();
  for (const k of Object.keys(doc)) if (!topFields.includes(k)) sink.add(k, messages.unknown);
  if (typeof doc.name !== "string" || !flowNamePattern.test(doc.name) || doc.name === "runs")
    sink.add(
      "name",
      'Must be up to 100 letters, digits, "_" or "-", starting with a letter (and not "runs").',
    );
  if (doc.description !== undefined && typeof doc.description !== "string")
    sink.add("description", messages.string);
  const machine = doc.definition;
  if (!isRecord(machine)) {
    sink.add("definition", machine === undefined ? messages.missing : messages.mapping);
    return { ok: false, errors: sink.errors };
  }
  // asl-validator throws on a States that is not a mapping of mappings, and on keys it reads
  // wherever they are that hold something else: checked first.
  reportAslShape(machine, "definition", sink);
  if (sink.empty) reportValidatorTraps(machine, "definition", sink);
  if (!sink.empty) return { ok: false, errors: sink.errors };
  const verdict = validate(machine);
  for (const e of verdict.errors)
    sink.add(pathOf(e), `${e["Error code"] ?? "INVALID"}: ${e.Message ?? "invalid"}`);
  if (verdict.isValid) checkAslMachine(machine as unknown as AslMachine, sink);
  if (!sink.empty) return { ok: false, errors: sink.errors };
  return {
    ok: true,
    definition: {
      name: doc.name as string,
      ...(typeof doc.description === "string" ? { description: doc.description } : {}),
      language: "asl",
      definition: machine as unknown as AslMachine,
      inputs: [],
      outputs: [],
      steps: [],
    },
  };
}
