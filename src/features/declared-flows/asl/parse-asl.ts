import { createRequire } from "node:module";
import { flowNamePattern } from "../definition-schema.js";
import { ErrorSink, isRecord, messages } from "../field-errors.js";
import { checkAslMachine } from "./asl-checks.js";
import type { AslFlowDefinition } from "./asl-definition.js";
import type { AslMachine } from "./asl-types.js";

interface ValidatorError {
  readonly "Error code"?: string;
  readonly Message?: string;
  readonly schemaError?: { readonly instancePath?: string };
  readonly path?: string;
}
type Validator = (
  definition: unknown,
  options: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errors: ValidatorError[] };

// asl-validator is CommonJS without types: read through require, typed here.
const aslValidator = createRequire(import.meta.url)("asl-validator") as Validator;

/** The field path of a validator's error: its JSON pointer under `definition` (`/States/A` → `definition.States.A`). */
function pathOf(e: ValidatorError): string {
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
  // The validator writes into what it checks (a QueryLanguage on each state): it gets a copy.
  const verdict = aslValidator(structuredClone(machine), { checkPaths: true, checkArn: false });
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
