export type {
  Delta,
  DeltaOutcome,
  ResyncReason,
  StateBeat,
  StateCopy,
  StateMessage,
  StateUpdate,
} from "./delta.js";
export { type StateChange, type StateDef, type StateHandle, type StateOptions, state } from "./state.js";
export type { HolderOptions } from "./state-holder.js";
export type { OwnerOptions } from "./state-owner.js";
export { type HoldOptions, type HoldsState, holds, type OwnsState, owns } from "./state-uses.js";
export { type ReplicatedStatesOptions, replicatedStates } from "./states-plugin.js";
