import {
  type Entity,
  type EventPayload,
  eventSourcing,
  projection,
  type UpdatedPayload,
} from "tesserae/eventsourcing";
import { memoryEventStore } from "tesserae/memory";
import { describe, expectTypeOf, it } from "vitest";
import { type Account, type AccountEvent, account } from "../../examples/accounts/model.js";
import { accountsService } from "../../examples/accounts/service.js";
import { accountView } from "../../examples/accounts/view.js";

// Type-level tests of event sourcing: `tsc` checks every `@ts-expect-error` below.

const es = eventSourcing({ store: memoryEventStore(), projections: [accountView] });
const accounts = es.repository(account);
const svc = accountsService(es);

describe("event sourcing types", () => {
  it("types entities, decisions and events from the aggregate", async () => {
    const created = await accounts.create(() => ({ type: "opened", data: { owner: "Ada" } }));
    expectTypeOf(created).toEqualTypeOf<Entity<Account>>();
    expectTypeOf(created.state.balance).toBeNumber();
    // @ts-expect-error: not an event of the account
    void accounts.update(created.id, () => ({ type: "closed", data: {} })).catch(() => undefined);
    const badAmount = { type: "deposited", data: { amount: "5" } } as const;
    // @ts-expect-error: the data of "deposited" is { amount: number }
    void accounts.update(created.id, () => badAmount).catch(() => undefined);
  });

  it("types published events and projected events", () => {
    expectTypeOf(account.event("deposited")["~types"]).toEqualTypeOf<
      | {
          readonly in: EventPayload<Extract<AccountEvent, { type: "deposited" }>>;
          readonly out: EventPayload<Extract<AccountEvent, { type: "deposited" }>>;
        }
      | undefined
    >();
    expectTypeOf<NonNullable<(typeof account.updated)["~types"]>["out"]>().toEqualTypeOf<
      UpdatedPayload<Account>
    >();
    // @ts-expect-error: the account has no such event
    account.event("closed");
    projection({
      name: "typed",
      from: account,
      collections: [],
      handle(e) {
        if (e.type === "withdrawn") expectTypeOf(e.data.amount).toBeNumber();
        // @ts-expect-error: no such event type
        if (e.type === "closed") return;
      },
    });
  });

  it("types command entries by their input schema", () => {
    type DepositIn = Parameters<NonNullable<(typeof svc.entries.deposit)["~types"]>["in"]>[0];
    expectTypeOf<DepositIn>().toEqualTypeOf<{ id: string; amount: number }>();
    type DepositOut = NonNullable<(typeof svc.entries.deposit)["~types"]>["out"];
    expectTypeOf<DepositOut>().toEqualTypeOf<{ readonly id: string; readonly version: number }>();
  });
});
