import { type FieldSpec, type FieldType, fieldTypes } from "../../ports/declared-flow-store.js";
import { type ErrorSink, isRecord, join, messages } from "./field-errors.js";

/** A field name; never `__proto__`, whose assignment would replace the prototype of the run's data. */
export const fieldName = /^(?!__proto__$)[A-Za-z_][\w-]*$/;
const typeMessage = `Must be one of: ${fieldTypes.join(", ")}.`;

/** Checks a list of `{name, type, description?, required?}` fields, reporting under `path`. */
export function parseFields(value: unknown, path: string, sink: ErrorSink): FieldSpec[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    sink.add(path, messages.list);
    return [];
  }
  const out: FieldSpec[] = [];
  const seen = new Set<string>();
  value.forEach((f, i) => {
    const at = join(path, i);
    if (!isRecord(f)) {
      sink.add(at, messages.mapping);
      return;
    }
    for (const k of Object.keys(f))
      if (!["name", "type", "description", "required"].includes(k)) sink.add(join(at, k), messages.unknown);
    const { name, type, description, required } = f;
    if (name === undefined) sink.add(join(at, "name"), messages.missing);
    else if (typeof name !== "string") sink.add(join(at, "name"), messages.string);
    else if (name === "__proto__") sink.add(join(at, "name"), 'A field cannot be named "__proto__".');
    else if (!fieldName.test(name))
      sink.add(join(at, "name"), 'Must be letters, digits, "_" or "-", starting with a letter or "_".');
    else if (seen.has(name)) sink.add(join(at, "name"), `Duplicate field "${name}".`);
    if (type === undefined) sink.add(join(at, "type"), messages.missing);
    else if (typeof type !== "string" || !(fieldTypes as readonly string[]).includes(type))
      sink.add(join(at, "type"), typeMessage);
    if (description !== undefined && typeof description !== "string")
      sink.add(join(at, "description"), messages.string);
    if (required !== undefined && typeof required !== "boolean")
      sink.add(join(at, "required"), messages.boolean);
    if (typeof name !== "string" || typeof type !== "string") return;
    seen.add(name);
    out.push({
      name,
      type: type as FieldType,
      ...(typeof description === "string" ? { description } : {}),
      ...(required === false ? { required: false } : {}),
    });
  });
  return out;
}
