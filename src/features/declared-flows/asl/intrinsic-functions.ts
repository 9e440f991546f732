import { createHash } from "node:crypto";
import { isRecord } from "../field-errors.js";
import { sameJson } from "../same-json.js";
import { runtimeError } from "./asl-error.js";
import type { ContextObject, Json } from "./asl-types.js";
import { type IntrinsicNode, parseIntrinsic } from "./intrinsic-parser.js";
import { queryPath } from "./json-path.js";

/** Where the non-deterministic intrinsics draw their values (journaled on the engine, so a replay draws the same). */
export interface Draws {
  uuid(): string;
  random(): number;
}

type Fn = (args: Json[], nodes: readonly IntrinsicNode[], draws: Draws) => Json;

const fail = (name: string, why: string): never => {
  throw runtimeError(`${name}: ${why}`);
};

function count(name: string, args: Json[], min: number, max = min): void {
  if (args.length < min || args.length > max)
    fail(name, `takes ${min === max ? min : `${min} to ${max}`} arguments, got ${args.length}`);
}

function str(name: string, v: Json | undefined, what = "argument"): string {
  return typeof v === "string" ? v : fail(name, `the ${what} must be a string`);
}

function int(name: string, v: Json | undefined, what = "argument"): number {
  return typeof v === "number" && Number.isInteger(v) ? v : fail(name, `the ${what} must be an integer`);
}

function arr(name: string, v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : fail(name, "the first argument must be an array");
}

/** A seeded generator (mulberry32) for `States.MathRandom`'s third argument: the same seed, the same number. */
function seeded(seed: number): number {
  let t = (Math.trunc(seed) + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const hashes: Record<string, string> = {
  MD5: "md5",
  "SHA-1": "sha1",
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

const functions: Record<string, Fn> = {
  "States.Format": (args, nodes) => {
    const n = "States.Format";
    if (args.length < 1) fail(n, "takes a template and its values");
    const first = nodes[0]!;
    const pieces =
      first.kind === "literal" && first.pieces !== undefined
        ? first.pieces
        : str(n, args[0], "template").split("{}");
    const values = args.slice(1);
    if (pieces.length - 1 !== values.length)
      fail(n, `the template has ${pieces.length - 1} {} for ${values.length} values`);
    return pieces.reduce((out, piece, i) => {
      if (i === 0) return piece;
      const v = values[i - 1]!;
      if (v !== null && typeof v === "object")
        fail(n, "a value must be a string, a number, a boolean or null");
      return `${out}${typeof v === "string" ? v : JSON.stringify(v)}${piece}`;
    }, "");
  },
  "States.StringToJson": (args) => {
    count("States.StringToJson", args, 1);
    try {
      return JSON.parse(str("States.StringToJson", args[0])) as Json;
    } catch {
      return fail("States.StringToJson", "the string is not JSON");
    }
  },
  "States.JsonToString": (args) => {
    count("States.JsonToString", args, 1);
    return JSON.stringify(args[0]);
  },
  "States.Array": (args) => args,
  "States.ArrayPartition": (args) => {
    const n = "States.ArrayPartition";
    count(n, args, 2);
    const a = arr(n, args[0]);
    const size = int(n, args[1], "chunk size");
    if (size < 1) fail(n, "the chunk size must be positive");
    const out: Json[] = [];
    for (let i = 0; i < a.length; i += size) out.push(a.slice(i, i + size));
    return out;
  },
  "States.ArrayContains": (args) => {
    count("States.ArrayContains", args, 2);
    return arr("States.ArrayContains", args[0]).some((v) => sameJson(v, args[1]));
  },
  "States.ArrayRange": (args) => {
    const n = "States.ArrayRange";
    count(n, args, 3);
    const [start, end, step] = [int(n, args[0]), int(n, args[1]), int(n, args[2])];
    if (step === 0) fail(n, "the step must not be 0");
    const slots = (end - start) / step;
    if (slots < 0) return [];
    const length = Math.floor(slots) + 1;
    if (length > 1000) fail(n, "the range cannot hold more than 1000 items");
    return Array.from({ length }, (_, i) => start + step * i);
  },
  "States.ArrayGetItem": (args) => {
    const n = "States.ArrayGetItem";
    count(n, args, 2);
    const a = arr(n, args[0]);
    const i = int(n, args[1], "index");
    // Out of bounds: null, as aws-local-stepfunctions answers.
    return i >= 0 && i < a.length ? a[i]! : null;
  },
  "States.ArrayLength": (args) => {
    count("States.ArrayLength", args, 1);
    return arr("States.ArrayLength", args[0]).length;
  },
  "States.ArrayUnique": (args) => {
    count("States.ArrayUnique", args, 1);
    const out: Json[] = [];
    for (const v of arr("States.ArrayUnique", args[0])) if (!out.some((u) => sameJson(u, v))) out.push(v);
    return out;
  },
  "States.Base64Encode": (args) => {
    const n = "States.Base64Encode";
    count(n, args, 1);
    const s = str(n, args[0]);
    if (s.length > 10_000) fail(n, "the string is longer than 10000 characters");
    return Buffer.from(s, "utf8").toString("base64");
  },
  "States.Base64Decode": (args) => {
    const n = "States.Base64Decode";
    count(n, args, 1);
    const s = str(n, args[0]);
    if (s.length > 10_000) fail(n, "the string is longer than 10000 characters");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) fail(n, "the string is not base64");
    return Buffer.from(s, "base64").toString("utf8");
  },
  "States.Hash": (args) => {
    const n = "States.Hash";
    count(n, args, 2);
    const s = str(n, args[0]);
    if (s.length > 10_000) fail(n, "the string is longer than 10000 characters");
    const algorithm = hashes[str(n, args[1], "algorithm")];
    if (algorithm === undefined) fail(n, `the algorithm must be one of ${Object.keys(hashes).join(", ")}`);
    return createHash(algorithm!).update(s, "utf8").digest("hex");
  },
  "States.JsonMerge": (args) => {
    const n = "States.JsonMerge";
    count(n, args, 3);
    const [a, b] = [args[0], args[1]];
    if (!isRecord(a) || !isRecord(b)) fail(n, "the first two arguments must be objects");
    if (args[2] !== false) fail(n, "only a shallow merge (false) is supported, as in Step Functions");
    return { ...(a as Record<string, Json>), ...(b as Record<string, Json>) };
  },
  "States.MathRandom": (args, _nodes, draws) => {
    const n = "States.MathRandom";
    count(n, args, 2, 3);
    const [start, end] = [int(n, args[0], "start"), int(n, args[1], "end")];
    if (end <= start) fail(n, "the end must be greater than the start");
    const r = args[2] === undefined ? draws.random() : seeded(int(n, args[2], "seed"));
    return start + Math.floor(r * (end - start));
  },
  "States.MathAdd": (args) => {
    const n = "States.MathAdd";
    count(n, args, 2);
    return int(n, args[0]) + int(n, args[1]);
  },
  "States.StringSplit": (args) => {
    const n = "States.StringSplit";
    count(n, args, 2);
    return str(n, args[0]).split(str(n, args[1], "delimiter"));
  },
  "States.UUID": (args, _nodes, draws) => {
    count("States.UUID", args, 0);
    return draws.uuid();
  },
};

/** The intrinsic functions this implementation knows. */
export const intrinsicNames: readonly string[] = Object.keys(functions);

function evaluate(node: IntrinsicNode, input: Json, context: ContextObject, draws: Draws): Json {
  if (node.kind === "literal") return node.value;
  if (node.kind === "path") return queryPath(node.path, input, context);
  const fn = functions[node.name];
  if (fn === undefined) throw runtimeError(`unknown intrinsic function ${node.name}`);
  return fn(
    node.args.map((a) => evaluate(a, input, context, draws)),
    node.args,
    draws,
  );
}

/**
 * The value of an intrinsic call (`"States.Format('Hello, {}', $.name)"`) on a state's input.
 *
 * @example
 * evaluateIntrinsic("States.MathAdd($.n, 1)", { n: 1 }, () => ({}), draws) // 2
 */
export function evaluateIntrinsic(text: string, input: Json, context: ContextObject, draws: Draws): Json {
  return evaluate(parseIntrinsic(text), input, context, draws);
}

/** The functions an intrinsic text calls (for the checks at submission), or the parser's error. */
export function intrinsicCalls(text: string): string[] {
  const out: string[] = [];
  const walk = (n: IntrinsicNode) => {
    if (n.kind !== "call") return;
    out.push(n.name);
    for (const a of n.args) walk(a);
  };
  walk(parseIntrinsic(text));
  return out;
}
