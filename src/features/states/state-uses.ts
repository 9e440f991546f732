import type { Context } from "../../core/context.js";
import type { ServiceUse } from "../../core/uses.js";
import type { StateChange, StateDef } from "./state.js";

/** The name of the states plugin, and of the feature of `owns` / `holds`. */
export const STATES = "states";

/** A service's declaration that it owns a state: it alone updates it, and answers snapshots. */
export interface OwnsState extends ServiceUse {
  readonly feature: typeof STATES;
  readonly role: "owner";
  readonly state: StateDef;
}

/** A service's declaration that it holds a live local copy of a state. */
export interface HoldsState extends ServiceUse {
  readonly feature: typeof STATES;
  readonly role: "holder";
  readonly state: StateDef;
  readonly onChange: ((change: StateChange<never>, ctx: Context) => unknown) | undefined;
}

export type StateUse = OwnsState | HoldsState;

/**
 * Declares, in a service's `uses`, that the service owns `state`: `ctx.use(state)` gives it the
 * value and its `set` / `patch`, and its node answers the holders' snapshot requests.
 *
 * @example
 * service("feed", { uses: [owns(quotes)], entries: { … } });
 */
export function owns<T extends object>(state: StateDef<string, T>): OwnsState {
  return { feature: STATES, role: "owner", state: state as unknown as StateDef };
}

export interface HoldOptions<T> {
  /** Called after each change of the local copy (a delta applied, a snapshot taken). */
  readonly onChange?: (change: StateChange<T>, ctx: Context) => unknown;
}

/**
 * Declares, in a service's `uses`, that the service holds a live copy of `state`:
 * `ctx.use(state).value` reads it synchronously, `onChange` hears every change.
 *
 * @example
 * service("trader", {
 *   uses: [holds(quotes, { onChange: (c, ctx) => ctx.log.debug("quotes", { seq: c.seq }) })],
 * });
 */
export function holds<T extends object>(
  state: StateDef<string, T>,
  options: HoldOptions<T> = {},
): HoldsState {
  return {
    feature: STATES,
    role: "holder",
    state: state as unknown as StateDef,
    onChange: options.onChange as HoldsState["onChange"],
  };
}

/** The state declarations of a service. */
export function stateUsesOf(svc: {
  readonly options: { readonly uses?: readonly ServiceUse[] };
}): StateUse[] {
  return (svc.options.uses ?? []).filter((u): u is StateUse => u.feature === STATES);
}
