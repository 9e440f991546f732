/**
 * Turns values into bytes for a transport and back. JSON is the default; another codec
 * (MessagePack, …) can be given to a node.
 */
export interface Codec {
  readonly contentType: string;
  encode(value: unknown): Uint8Array;
  decode(data: Uint8Array): unknown;
}

import { fromWireObject, toWireObject } from "./codec-types.js";
import { utf8 } from "./utf8.js";

const decoder = new TextDecoder();
const empty = new Uint8Array(0);

interface NonJson {
  /** Keys and array indices from the root to the value. */
  readonly path: (string | number)[];
  /** What JSON would do to it, e.g. "is a Date, which JSON turns into a string". */
  readonly why: string;
}

/**
 * The first value that JSON would change silently: a `Date` (it would arrive as a string), a
 * `BigInt` (JSON refuses it), a `Map` or `Set` (they would arrive as `{}`), a typed array, a
 * non-finite number (it would arrive as `null`). The path is built only when one is found: every
 * encode walks the value.
 */
function findNonJson(value: unknown, depth: number): NonJson | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : { path: [], why: `is ${value}, which JSON turns into null` };
  }
  if (typeof value === "bigint") {
    return {
      path: [],
      why: "is a BigInt, which JSON cannot carry: send a string, or use richJsonCodec",
    };
  }
  if (value === null || typeof value !== "object" || depth > 64) return undefined;
  if (value instanceof Date) {
    return {
      path: [],
      why: "is a Date, which JSON turns into a string: send an ISO string, or use richJsonCodec",
    };
  }
  // JSON.stringify writes what toJSON returns (e.g. an Entity's ISO dates): that is what is checked.
  if (typeof (value as { toJSON?: unknown }).toJSON === "function")
    return findNonJson((value as { toJSON(): unknown }).toJSON(), depth + 1);
  if (value instanceof Map || value instanceof Set || ArrayBuffer.isView(value))
    return { path: [], why: `is a ${value.constructor.name}, which JSON turns into {}` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findNonJson(value[i], depth + 1);
      if (bad !== undefined) {
        bad.path.unshift(i);
        return bad;
      }
    }
    return undefined;
  }
  for (const key in value) {
    const bad = findNonJson((value as Record<string, unknown>)[key], depth + 1);
    if (bad !== undefined) {
      bad.path.unshift(key);
      return bad;
    }
  }
  return undefined;
}

/** Throws when JSON would change a value silently, naming where (`items[2].at is a Date, …`). */
function checkJson(value: unknown): void {
  const bad = findNonJson(value, 0);
  if (bad === undefined) return;
  let path = "";
  for (const p of bad.path) path = typeof p === "number" ? `${path}[${p}]` : path === "" ? p : `${path}.${p}`;
  throw new TypeError(`${path || "value"} ${bad.why}`);
}

/**
 * JSON codec: `undefined` travels as zero bytes. A value that JSON would change silently (a
 * `Date`, a `BigInt`, a `Map`…) fails to encode with a message naming its path.
 */
export const jsonCodec: Codec = {
  contentType: "application/json",
  encode: (value) => {
    if (value === undefined) return empty;
    checkJson(value);
    return utf8(JSON.stringify(value));
  },
  decode: (data) => (data.length === 0 ? undefined : JSON.parse(decoder.decode(data))),
};

/**
 * JSON in which `Date` and `BigInt` round-trip, as `{"$date": "<ISO>"}` and `{"$bigint": "<digits>"}`,
 * and the registered wire types (`Decimal` as `{"$decimal": "<digits>"}`, see codec-types.ts); both
 * ends must use it. Give it to every node: `createNode({ codec: richJsonCodec, … })`, or
 * `codec: "rich-json"` in the project file (`--codec rich-json`).
 */
export const richJsonCodec: Codec = {
  contentType: "application/vnd.tessera.rich+json",
  encode: (value) =>
    value === undefined
      ? empty
      : utf8(
          JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
            const raw = this[key];
            if (raw instanceof Date) return { $date: raw.toISOString() };
            if (typeof v === "bigint") return { $bigint: v.toString() };
            return toWireObject(raw) ?? v;
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
            const tag = keys[0];
            if (keys.length === 1 && tag?.startsWith("$") && typeof o[tag] === "string") {
              const typed = fromWireObject(tag, o[tag] as string);
              if (typed !== undefined) return typed;
            }
          }
          return v;
        }),
};

/** The codecs a project names (`codec` in the project file, `TESSERA_CODEC`, `--codec`). */
export const codecs = { json: jsonCodec, "rich-json": richJsonCodec } as const;

/** A codec's name in the project file. */
export type CodecName = keyof typeof codecs;
