import type { FieldSpec } from "../../ports/declared-flow-store.js";
import { isRecord } from "./field-errors.js";

/**
 * The data of an event sent to machinery's `POST /e/<workflow_id>`. machinery's README writes an
 * event as `{"data": {…}}` ("the Event's data, that must match the Workflow's inputs"), its
 * acceptance collection sends the data itself (`{"message": …}`): both are read. A body whose only
 * key is `data`, holding an object, is the README's form — unless the workflow declares an input
 * named `data`, whose value it then is.
 *
 * @example
 * machineryEventData({ data: { message: "hi" } }, [{ name: "message", type: "string" }]); // { message: "hi" }
 * machineryEventData({ message: "hi" }, [{ name: "message", type: "string" }]); // { message: "hi" }
 */
export function machineryEventData(body: unknown, inputs: readonly FieldSpec[] | undefined): unknown {
  if (!isRecord(body) || !isRecord(body.data)) return body;
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== "data") return body;
  return (inputs ?? []).some((f) => f.name === "data") ? body : body.data;
}
