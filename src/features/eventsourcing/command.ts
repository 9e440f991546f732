import type { Context, Entry, EntryOptions } from "../../core/context.js";
import { entry } from "../../core/entry.js";
import { TesseraError } from "../../core/errors.js";
import type { InferIn, InferOut, Schema } from "../../core/schema.js";
import { parseOptions } from "../definition-options.js";
import { commandArgsSchema } from "./command-args-schema.js";
import type { DomainEvent } from "./domain-event.js";
import type { Entity } from "./entity.js";
import type { Repository } from "./repository.js";

/** What a command entry answers: the aggregate's id and version after the command. */
export interface CommandResult {
  readonly id: string;
  readonly version: number;
}

/**
 * A command as an ordinary entry (HTTP, bus, typed call): it loads the aggregate named by the
 * input's `id`, runs the pure `decide` on its state and appends the events with the version it
 * read; on a concurrent write it reloads and decides again. A `decide` that throws (e.g.
 * `TesseraError.conflict("insufficient funds")`) appends nothing. The call's idempotency key
 * (`Idempotency-Key`, a flow step's key) is the write's: the same key twice appends once.
 *
 * @example
 * deposit: command(accounts, { input: Amount, route: "POST /accounts/:id/deposit" }, ({ amount }) => ({
 *   type: "deposited", data: { amount },
 * })),
 */
export function command<IS extends Schema, S, E extends DomainEvent>(
  repository: Repository<S, E> | (() => Repository<S, E>),
  options: EntryOptions<IS, undefined> & { readonly input: IS },
  decide: (input: InferOut<IS>, state: S, entity: Entity<S>, ctx: Context) => E | readonly E[],
): Entry<InferIn<IS>, CommandResult> {
  parseOptions("command", commandArgsSchema, { repository, options, decide });
  return entry(options, async (input, ctx): Promise<CommandResult> => {
    const repo = typeof repository === "function" ? repository() : repository;
    const id = (input as { id?: unknown }).id;
    if (typeof id !== "string") {
      // The caller's input passed the schema without an id: a 400 that says so, never a 500.
      throw new TesseraError("TESSERA_VALIDATION", "invalid input: id: a command's input needs a string id", {
        details: { issues: [{ path: "id", message: "a command's input needs a string id" }] },
      });
    }
    const metadata = {
      requestId: ctx.requestId,
      ...(ctx.identity?.sub === undefined ? {} : { by: ctx.identity.sub }),
    };
    // The caller's Idempotency-Key goes to the write: a retry whose first answer was lost (the node
    // died after the commit, before the inbox stored the answer) finds its events and appends none.
    const key = ctx.idempotencyKey;
    const after = await repo.update(id, (state, entity) => decide(input, state, entity!, ctx), {
      metadata,
      ...(key === undefined ? {} : { idempotencyKey: key }),
    });
    return { id: after.id, version: after.version };
  });
}
