/**
 * Value types that `richJsonCodec` carries beyond JSON, each as a one-key object `{"<tag>": "<text>"}`
 * (`$date` and `$bigint` are built in). A feature whose type must round-trip registers it when its
 * module loads (the decimal field type does), so core needs no library of its own for it.
 */
export interface WireType<T = unknown> {
  /** The key of the one-key object on the wire, starting with `$`, e.g. `$decimal`. */
  readonly tag: string;
  is(value: unknown): value is T;
  toWire(value: T): string;
  fromWire(text: string): T;
}

const types = new Map<string, WireType>();

/**
 * Makes `richJsonCodec` carry values of a type as `{"<tag>": toWire(value)}` and turn them back
 * with `fromWire`. Registering a tag again replaces it (a module loaded twice).
 *
 * @example
 * registerWireType({ tag: "$decimal", is: Decimal.isDecimal, toWire: (d) => d.toString(), fromWire: (s) => new Decimal(s) });
 */
export function registerWireType<T>(type: WireType<T>): void {
  if (!/^\$[a-z][a-zA-Z0-9]*$/.test(type.tag) || type.tag === "$date" || type.tag === "$bigint")
    throw new TypeError(`wire type tag "${type.tag}" must be $ and a lower-case word, not $date or $bigint`);
  types.set(type.tag, type as WireType);
}

/** The registered type of `value`, if any, as its wire object. */
export function toWireObject(value: unknown): Record<string, string> | undefined {
  if (types.size === 0 || value === null || typeof value !== "object") return undefined;
  for (const t of types.values()) if (t.is(value)) return { [t.tag]: t.toWire(value) };
  return undefined;
}

/** The value a one-key wire object stands for, or `undefined` when its tag is not registered. */
export function fromWireObject(tag: string, text: string): unknown {
  return types.get(tag)?.fromWire(text);
}
