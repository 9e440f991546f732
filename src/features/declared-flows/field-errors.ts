/**
 * Problems of a submitted document, field by field: a dotted path (`steps.1.service`, the top-level
 * field alone for the top level: `services`) and its messages, as machinery reports them
 * (`{"services":["Not a valid list."]}`). Made by {@link fieldErrors}: an object without a
 * prototype, since its keys come from the document.
 */
export type FieldErrors = Record<string, string[]>;

/**
 * An empty {@link FieldErrors}. It has no prototype: a path named like a member of
 * Object.prototype (`toString`, `constructor`, `__proto__`) is an ordinary key of it, never an
 * inherited member read as a list (which answered 500) nor a setter that replaces its prototype.
 *
 * @example
 * const errors = fieldErrors();
 * errors.toString = ["Unknown field."]; // an own key, JSON {"toString":["Unknown field."]}
 */
export const fieldErrors = (): FieldErrors => Object.create(null) as FieldErrors;

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
  readonly errors: FieldErrors = fieldErrors();

  add(path: string, message: string): void {
    const key = path === "" ? "_schema" : path;
    const list = this.errors[key] ?? [];
    if (!list.includes(message)) list.push(message);
    this.errors[key] = list;
  }

  get empty(): boolean {
    return Object.keys(this.errors).length === 0;
  }
}

export const join = (path: string, key: string | number): string =>
  path === "" ? String(key) : `${path}.${key}`;

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
