import { z } from "zod";
import { command, type EventSourcing } from "../../src/features/eventsourcing/index.js";
import { entry, service, TesseraError } from "../../src/index.js";
import { account, deposit, open, withdraw } from "./model.js";
import { ACCOUNTS, type AccountView } from "./view.js";

const Amount = z.object({ id: z.string().min(1), amount: z.number().int().positive() });

/**
 * The `accounts` service: commands append events to the account's stream (CQRS write side),
 * `GET /accounts/:id` reads the read model (query side).
 */
export function accountsService(es: EventSourcing) {
  const accounts = es.repository(account);
  return service("accounts", {
    description: "Bank accounts, event-sourced",
    entries: {
      // POST /accounts {"owner":"Ada"} → 201 {"id":"…"}
      post: entry(
        {
          input: z.object({ owner: z.string().min(1) }),
          status: 201,
          summary: "Opens an account",
          idempotent: true,
        },
        async ({ owner }, ctx) => {
          // The Idempotency-Key goes to the write: a retry after a crash opens the same account once.
          const key = ctx.idempotencyKey;
          const opened = await accounts.create(
            () => open(owner),
            key === undefined ? {} : { idempotencyKey: key },
          );
          return { id: opened.id };
        },
      ),
      // POST /accounts/:id/deposit {"amount":5}, with an Idempotency-Key header to retry it safely
      deposit: command(
        accounts,
        { input: Amount, route: "POST /accounts/:id/deposit", idempotent: true },
        ({ amount }) => deposit(amount),
      ),
      // POST /accounts/:id/withdraw {"amount":5} → 409 beyond the balance
      withdraw: command(
        accounts,
        { input: Amount, route: "POST /accounts/:id/withdraw", idempotent: true },
        ({ amount }, state) => withdraw(amount, state),
      ),
      // GET /accounts/:id → {"id","owner","balance","version"}
      get: entry({ input: z.object({ id: z.string() }), params: ["id"] }, async ({ id }) => {
        const view = await es.store.getDocument<AccountView>(ACCOUNTS, id);
        if (view === undefined) throw TesseraError.notFound(`account ${id} not found`);
        return view;
      }),
    },
  });
}
