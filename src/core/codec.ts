/**
 * Turns values into bytes for a transport and back. JSON is the default; another codec
 * (MessagePack, …) can be given to a node.
 */
export interface Codec {
  readonly contentType: string;
  encode(value: unknown): Uint8Array;
  decode(data: Uint8Array): unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const empty = new Uint8Array(0);

/**
 * Throws when JSON would change a value silently: a `Date` (it would arrive as a string), a
 * `BigInt` (JSON refuses it), a `Map` or `Set` (they would arrive as `{}`), a typed array, a
 * non-finite number (it would arrive as `null`).
 */
function checkJson(value: unknown, path: string, depth: number): void {
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw new TypeError(`${path || "value"} is ${value}, which JSON turns into null`);
    return;
  }
  if (typeof value === "bigint")
    throw new TypeError(
      `${path || "value"} is a BigInt, which JSON cannot carry: send a string, or use richJsonCodec`,
    );
  if (value === null || typeof value !== "object" || depth > 64) return;
  if (value instanceof Date)
    throw new TypeError(
      `${path || "value"} is a Date, which JSON turns into a string: send an ISO string, or use richJsonCodec`,
    );
  if (value instanceof Map || value instanceof Set || ArrayBuffer.isView(value))
    throw new TypeError(`${path || "value"} is a ${value.constructor.name}, which JSON turns into {}`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkJson(value[i], `${path}[${i}]`, depth + 1);
    return;
  }
  for (const key in value)
    checkJson((value as Record<string, unknown>)[key], path ? `${path}.${key}` : key, depth + 1);
}

/**
 * JSON codec: `undefined` travels as zero bytes. A value that JSON would change silently (a
 * `Date`, a `BigInt`, a `Map`…) fails to encode with a message naming its path.
 */
export const jsonCodec: Codec = {
  contentType: "application/json",
  encode: (value) => {
    if (value === undefined) return empty;
    checkJson(value, "", 0);
    return encoder.encode(JSON.stringify(value));
  },
  decode: (data) => (data.length === 0 ? undefined : JSON.parse(decoder.decode(data))),
};

/**
 * JSON in which `Date` and `BigInt` round-trip, as `{"$date": "<ISO>"}` and `{"$bigint": "<digits>"}`
 * (both ends must use it). Give it to every node: `createNode({ codec: richJsonCodec, … })`.
 */
export const richJsonCodec: Codec = {
  contentType: "application/vnd.tessera.rich+json",
  encode: (value) =>
    value === undefined
      ? empty
      : encoder.encode(
          JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
            const raw = this[key];
            if (raw instanceof Date) return { $date: raw.toISOString() };
            if (typeof v === "bigint") return { $bigint: v.toString() };
            return v;
          }),
        ),
  decode: (data) =>
    data.length === 0
      ? undefined
      : JSON.parse(decoder.decode(data), (_key, v: unknown) => {
          if (v !== null && typeof v === "object" && !Array.isArray(v)) {
            const o = v as Record<string, unknown>;
            const keys = Object.keys(o);
            if (keys.length === 1 && typeof o.$date === "string") return new Date(o.$date);
            if (keys.length === 1 && typeof o.$bigint === "string") return BigInt(o.$bigint);
          }
          return v;
        }),
};
