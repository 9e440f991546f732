import { z } from "zod";
import { failsSchema } from "../../core/definition-rules.js";
import { TesseraError } from "../../core/errors.js";
import type { InferOut, Schema } from "../../core/schema.js";
import type { UseKey } from "../../core/uses.js";
import { parseOptions, schemaOption } from "../definition-options.js";
import type { Delta } from "./delta.js";
import type { DeltaMode } from "./merge-patch.js";

/**
 * A change of a local copy (or of the owner's value), as change callbacks receive it. `value` is
 * the live copy, updated in place by the next delta: copy what must be kept.
 */
export interface StateChange<T> {
  readonly state: string;
  /** `snapshot`: the value was replaced (full update, snapshot, resynchronisation); `delta`: keys changed. */
  readonly kind: "snapshot" | "delta";
  readonly value: Readonly<T>;
  /** The value a snapshot replaced. */
  readonly previous?: Readonly<T>;
  /** The changed keys of a delta (`null`: deleted). */
  readonly delta?: Delta<T>;
  readonly epoch: number;
  readonly seq: number;
}

/**
 * What `ctx.use(state)` gives a service that owns or holds the state: its value, read
 * synchronously, and, on the owner's side, the updates.
 */
export interface StateHandle<T> {
  /** The local copy (the owner's own value on its side). */
  readonly value: Readonly<T>;
  /** The number of the last update applied (0 before any). */
  readonly seq: number;
  /** The owner's incarnation the copy comes from (0: a holder that has received nothing yet). */
  readonly epoch: number;
  /**
   * A holder's: false until it has applied a first snapshot (the owner's, or the stored one while
   * the owner is down), and again while the owner's snapshots are refused (another codec, a value
   * that fails the schema); a gap or an owner that is down leaves it true (the last copy). An
   * owner's: true while it serves the state (started, not stopped, not stood down).
   */
  readonly synced: boolean;
  /** Calls `listener` after each change; returns the function that stops it. */
  onChange(listener: (change: StateChange<T>) => void): () => void;
  /** Owner only: a full update, replacing every holder's copy. */
  set(value: T): Promise<void>;
  /**
   * Owner only: a delta update (shallow merge, or JSON Merge Patch with `delta: "merge-patch"`;
   * `null` deletes a key). What is sent is what the owner applied: the schema's output.
   */
  patch(delta: Delta<T>): Promise<void>;
  /**
   * Owner only: resolves once the value and its number are stored (e.g. in a SIGTERM handler).
   * Rejects with `TESSERA_CONFLICT` once this owner stood down for a newer one (as `set` and
   * `patch` do): the newer owner's value stands and nothing of this one is stored any more.
   */
  flush(): Promise<void>;
}

/** A declared replicated state: a name, a schema of its (object) value, and its initial value. */
export interface StateDef<N extends string = string, T extends object = Record<string, unknown>>
  extends UseKey<StateHandle<T>> {
  readonly kind: "state";
  readonly name: N;
  readonly schema: Schema;
  readonly initial: Readonly<T>;
  /** How a delta is merged (default `shallow`). */
  readonly delta: DeltaMode;
}

export interface StateOptions<T> {
  /** The value before the first update (and of a holder before its first snapshot). */
  readonly initial: T;
  /**
   * How a delta is merged: `shallow` (default, the seed's: a key's value is replaced) or
   * `merge-patch` (RFC 7396: nested objects merged, `null` deletes at any depth), e.g. an order
   * book's price levels patched without resending the book.
   */
  readonly delta?: DeltaMode;
}

const stateOptionsSchema = z.strictObject({
  initial: z.unknown(),
  delta: z.enum(["shallow", "merge-patch"]).optional(),
});

const stateName = /^[a-zA-Z][\w-]*(\.[a-zA-Z][\w-]*)*$/;

/**
 * Declares a replicated state: an object value that one service owns (`owns(state)`) and others
 * hold as a live local copy (`holds(state)`). The owner's updates are checked by the schema.
 *
 * @example
 * export const quotes = state("quotes", z.record(z.string(), z.number()), { initial: {} });
 */
export function state<const N extends string, S extends Schema>(
  name: N,
  schema: S,
  options: StateOptions<InferOut<S>>,
): StateDef<N, InferOut<S> & object> {
  if (!stateName.test(name)) {
    throw TesseraError.definition(
      name,
      `state name "${name}" must be dotted words of letters, digits, "_" or "-"`,
    );
  }
  parseOptions(`${name}.schema`, schemaOption, schema);
  if (typeof options?.initial !== "object" || options.initial === null || Array.isArray(options.initial)) {
    throw TesseraError.definition(name, `state "${name}" needs an object as its initial value`);
  }
  parseOptions(name, stateOptionsSchema, options);
  const why = failsSchema(schema, options.initial);
  if (why !== undefined)
    throw TesseraError.definition(`${name}.initial`, `${name}.initial fails the state's own schema: ${why}`);
  return Object.freeze({
    kind: "state",
    name,
    schema,
    initial: Object.freeze({ ...(options.initial as object) }) as InferOut<S> & object,
    delta: options.delta ?? "shallow",
    useKey: `state:${name}`,
  });
}
