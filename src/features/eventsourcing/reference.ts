import type { Context, EntryRef } from "../../core/context.js";
import { TesseraError } from "../../core/errors.js";
import { parseOptions } from "../definition-options.js";
import { referenceReadSchema } from "./event-sourcing-options-schema.js";

/** A reference to an aggregate of another service: plain data, stored in state as it is. */
export interface Ref<T> {
  readonly $ref: string;
  readonly id: string;
  /** Type carrier only. */
  readonly "~type"?: T;
}

/** Makes and resolves references through one entry of the owning service. */
export interface Reference<T> {
  /** The reference to the aggregate with that id. */
  to(id: string): Ref<T>;
  /** The referenced aggregate, fetched with a typed call (identity, deadline and request id travel along). */
  resolve(ctx: Pick<Context, "call">, ref: Ref<T>): Promise<T>;
}

/**
 * Declares references to another service's aggregates, resolved through the entry that reads one.
 *
 * @example
 * const customer = reference(customers.entries.getCustomer);
 * const order = { customer: customer.to("c-1"), total: 12 };
 * const { name } = await customer.resolve(ctx, order.customer);
 */
export function reference<Out>(read: EntryRef<{ id: string }, Out>): Reference<Out> {
  parseOptions("reference.read", referenceReadSchema, read);
  return {
    to: (id) => ({ $ref: read.id, id }),
    resolve: (ctx, ref) => {
      if (ref.$ref !== read.id) {
        return Promise.reject(
          TesseraError.badRequest(`a reference to ${ref.$ref} cannot be resolved through ${read.id}`, {
            ref: ref.$ref,
            through: read.id,
          }),
        );
      }
      return ctx.call(read, { id: ref.id });
    },
  };
}
