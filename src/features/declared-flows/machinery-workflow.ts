import { definitionKeys } from "./definition-schema.js";
import type { DefinitionWarning } from "./definition-warnings.js";
import { isRecord } from "./field-errors.js";

/** A workflow as machinery's `POST /w` reads it: the document without its unknown top-level fields, each named. */
export interface MachineryWorkflow {
  readonly doc: unknown;
  readonly warnings: readonly DefinitionWarning[];
}

export const ignoredMessage = "Unknown field: ignored.";

/**
 * Reads a workflow as machinery does: its schema excludes unknown top-level fields (its README's
 * and its acceptance collection's workflows carry `"operations": []`), so they are dropped here,
 * each named in a warning. Unknown fields deeper down (in an input or an output) machinery refuses,
 * and so does the reader after this. A States Language document (`language`) is not machinery's:
 * it is read as on `/declared/flows`.
 *
 * @example
 * readMachineryWorkflow({ name: "process-text", services: ["upper"], operations: [] });
 * // { doc: { name: "process-text", services: ["upper"] }, warnings: [{ field: "operations", message: "Unknown field: ignored." }] }
 */
export function readMachineryWorkflow(doc: unknown): MachineryWorkflow {
  if (!isRecord(doc) || Object.hasOwn(doc, "language")) return { doc, warnings: [] };
  const kept: Record<string, unknown> = {};
  const warnings: DefinitionWarning[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (definitionKeys.includes(key)) kept[key] = value;
    else warnings.push({ field: key, message: ignoredMessage });
  }
  return { doc: kept, warnings };
}
