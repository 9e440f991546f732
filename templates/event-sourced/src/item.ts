import { TesseraError } from "tesserae";
import { aggregate, type DomainEvent } from "tesserae/eventsourcing";

/** The state of an item in stock: the fold of its events. */
export interface Item {
  readonly name: string;
  readonly onHand: number;
}

/** What can happen to an item: facts in the past tense, the only thing the store keeps. */
export type ItemEvent =
  | DomainEvent<"registered", { readonly name: string }>
  | DomainEvent<"received", { readonly qty: number }>
  | DomainEvent<"shipped", { readonly qty: number }>;

/** Pure: the state after one event. */
export function evolve(state: Item, event: ItemEvent): Item {
  switch (event.type) {
    case "registered":
      return { ...state, name: event.data.name };
    case "received":
      return { ...state, onHand: state.onHand + event.data.qty };
    case "shipped":
      return { ...state, onHand: state.onHand - event.data.qty };
  }
}

/** The aggregate: its stream is `item-<id>`; a snapshot every 100 events keeps loading short. */
export const item = aggregate("item", {
  initial: (): Item => ({ name: "", onHand: 0 }),
  evolve,
  snapshots: { every: 100 },
});

// The decisions: pure functions from a command (and the state) to events, or a refusal. A refusal
// appends nothing.

export const register = (name: string): ItemEvent => ({ type: "registered", data: { name } });

export const receive = (qty: number): ItemEvent => ({ type: "received", data: { qty } });

export function ship(qty: number, state: Item): ItemEvent {
  if (qty > state.onHand) {
    throw TesseraError.conflict(`only ${state.onHand} ${state.name} in stock, ${qty} asked`, {
      onHand: state.onHand,
      qty,
    });
  }
  return { type: "shipped", data: { qty } };
}
