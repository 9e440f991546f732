import type { FieldSpec } from "../../ports/declared-flow-store.js";
import { ErrorSink, type FieldErrors, isRecord, messages } from "./field-errors.js";
import { parseFields } from "./parse-fields.js";

/** An external HTTP service as its registration document describes it. */
export interface ServiceRegistration {
  readonly name: string;
  readonly address: string;
  readonly inputs: FieldSpec[];
  readonly outputs: FieldSpec[];
  readonly description: string | undefined;
}

/**
 * Reads a registration document, machinery's `{name, address, inputs, outputs}` (and a
 * `description`), with every problem reported under its field.
 *
 * @example
 * parseServiceRegistration({ name: "upper", address: "http://127.0.0.1:8080/upper", inputs: [{ name: "message", type: "string" }] })
 */
export function parseServiceRegistration(
  doc: unknown,
): { ok: true; service: ServiceRegistration } | { ok: false; errors: FieldErrors } {
  const sink = new ErrorSink();
  if (!isRecord(doc)) return { ok: false, errors: { _schema: ["Invalid input type."] } };
  for (const k of Object.keys(doc))
    if (!["name", "address", "inputs", "outputs", "description"].includes(k)) sink.add(k, messages.unknown);
  const { name, address, description } = doc;
  if (name === undefined) sink.add("name", messages.missing);
  else if (typeof name !== "string") sink.add("name", messages.string);
  else if (!/^[A-Za-z][\w.-]{0,99}$/.test(name))
    sink.add("name", 'Must be up to 100 letters, digits, ".", "_" or "-", starting with a letter.');
  if (address === undefined) sink.add("address", messages.missing);
  else if (typeof address !== "string") sink.add("address", messages.string);
  else if (!/^https?:\/\/[^\s]+$/.test(address)) sink.add("address", "Not a valid URL.");
  if (description !== undefined && typeof description !== "string") sink.add("description", messages.string);
  const inputs = parseFields(doc.inputs, "inputs", sink);
  const outputs = parseFields(doc.outputs, "outputs", sink);
  if (!sink.empty) return { ok: false, errors: sink.errors };
  return {
    ok: true,
    service: {
      name: name as string,
      address: address as string,
      inputs,
      outputs,
      description: description as string | undefined,
    },
  };
}
