/**
 * Problems of a submitted document, field by field: a dotted path (`steps.1.service`, the top-level
 * field alone for the top level: `services`) and its messages, as machinery reports them
 * (`{"services":["Not a valid list."]}`).
 */
export type FieldErrors = Record<string, string[]>;

export const messages = {
  missing: "Missing data for required field.",
  list: "Not a valid list.",
  string: "Not a valid string.",
  mapping: "Not a valid mapping type.",
  integer: "Not a valid integer.",
  number: "Not a valid number.",
  boolean: "Not a valid boolean.",
  unknown: "Unknown field.",
} as const;

/** Collects problems under paths. */
export class ErrorSink {
  readonly errors: FieldErrors = {};

  add(path: string, message: string): void {
    const key = path === "" ? "_schema" : path;
    // Own keys only: a path named "toString" would otherwise find Object.prototype's member, and
    // assigning "__proto__" would replace the map's prototype instead of adding a field.
    const list = Object.hasOwn(this.errors, key) ? this.errors[key]! : [];
    if (!list.includes(message)) list.push(message);
    Object.defineProperty(this.errors, key, {
      value: list,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }

  get empty(): boolean {
    return Object.keys(this.errors).length === 0;
  }
}

export const join = (path: string, key: string | number): string =>
  path === "" ? String(key) : `${path}.${key}`;

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
