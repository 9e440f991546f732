import { TesseraError } from "../../core/errors.js";
import type { FieldSpec } from "../../ports/declared-flow-store.js";
import { isRecord } from "./field-errors.js";
import { checkFields } from "./field-values.js";

/**
 * Checks a registered service's answer against the outputs it declared: every required field
 * present, every field of its declared type. A mismatch fails the step (`TESSERA_UNAVAILABLE`, as
 * an answer that is not JSON does: the service broke its contract, so the step's retry and catch
 * apply) with the problems per field in `details.fields`. Fields it did not declare are not checked
 * (and are merged, as machinery does). An empty answer (204) has none of the required fields.
 *
 * @example
 * checkAnswer("counter", "count", [{ name: "count", type: "int" }], { count: "x" });
 * // throws: service counter answered outputs that do not fit its declaration: count: Not a valid int: got a string.
 */
export function checkAnswer(
  service: string,
  step: string,
  outputs: readonly FieldSpec[] | undefined,
  answer: unknown,
): void {
  if (outputs === undefined || outputs.length === 0) return;
  if (answer !== undefined && answer !== null && !isRecord(answer)) {
    const kind = Array.isArray(answer) ? "array" : typeof answer;
    throw new TesseraError(
      "TESSERA_UNAVAILABLE",
      `service ${service} answered a JSON ${kind}, not an object with its declared outputs (${outputs.map((f) => f.name).join(", ")})`,
      { details: { service, step } },
    );
  }
  const fields = checkFields(outputs, answer ?? {});
  if (Object.keys(fields).length === 0) return;
  const summary = Object.entries(fields)
    .map(([k, m]) => `${k}: ${m.join(" ")}`)
    .join("; ");
  throw new TesseraError(
    "TESSERA_UNAVAILABLE",
    `service ${service} answered outputs that do not fit its declaration: ${summary}`,
    { details: { service, step, fields } },
  );
}
