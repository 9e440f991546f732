import { aggregate, type DomainEvent } from "../../src/features/eventsourcing/index.js";
import { TesseraError } from "../../src/index.js";

/** The state of an account: the fold of its events. */
export interface Account {
  readonly owner: string;
  readonly balance: number;
}

export type AccountEvent =
  | DomainEvent<"opened", { readonly owner: string }>
  | DomainEvent<"deposited", { readonly amount: number }>
  | DomainEvent<"withdrawn", { readonly amount: number }>;

/** Pure: the state after one event. */
export function evolve(state: Account, event: AccountEvent): Account {
  switch (event.type) {
    case "opened":
      return { ...state, owner: event.data.owner };
    case "deposited":
      return { ...state, balance: state.balance + event.data.amount };
    case "withdrawn":
      return { ...state, balance: state.balance - event.data.amount };
  }
}

export const account = aggregate("account", {
  initial: (): Account => ({ owner: "", balance: 0 }),
  evolve,
  snapshots: { every: 100 },
});

// The decisions: pure functions from a command and the state to events, or a refusal.

export const open = (owner: string): AccountEvent => ({ type: "opened", data: { owner } });

export const deposit = (amount: number): AccountEvent => ({ type: "deposited", data: { amount } });

export function withdraw(amount: number, state: Account): AccountEvent {
  if (amount > state.balance) {
    throw TesseraError.conflict(`insufficient funds: the balance is ${state.balance}, ${amount} was asked`, {
      balance: state.balance,
      amount,
    });
  }
  return { type: "withdrawn", data: { amount } };
}
