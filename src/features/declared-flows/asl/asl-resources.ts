import { ErrorSink, type FieldErrors } from "../field-errors.js";
import { type AslFlowDefinition, statesOf } from "./asl-definition.js";

/**
 * The Task resources of a machine that name no registered service nor entry (the submission is
 * then refused with 409, as a flow calling an unknown service), each a field error at its Resource.
 */
export function checkAslResources(
  def: AslFlowDefinition,
  known: (name: string) => boolean,
): { errors: FieldErrors; unknownServices: string[] } {
  const sink = new ErrorSink();
  const unknown: string[] = [];
  for (const [path, , s] of statesOf(def.definition)) {
    if (s.Type !== "Task" || typeof s.Resource !== "string" || known(s.Resource)) continue;
    sink.add(`${path}.Resource`, `Service ${s.Resource} does not exist.`);
    if (!unknown.includes(s.Resource)) unknown.push(s.Resource);
  }
  return { errors: sink.errors, unknownServices: unknown };
}
