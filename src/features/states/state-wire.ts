import type { Codec } from "../../core/codec.js";
import type { StateMessage, StateUpdate } from "./delta.js";

/** Subjects and keys of a state on the transport. */
export const stateSubjects = {
  /** Updates and beats, from the owner to every holder. */
  updates: (name: string) => `tessera.state.${name}`,
  /** Snapshot requests, answered by the owner. */
  snapshot: (name: string) => `tessera.state-snapshot.${name}`,
  /** Owners' claims: an owner announces its epoch here, and stands down on hearing a newer one. */
  claims: (name: string) => `tessera.state-claim.${name}`,
  /** The last-value key of the owner's value, number and epoch. */
  stored: (name: string) => `state.${name}`,
} as const;

/** What the owner stores: enough to resume its numbering and answer snapshots after a restart. */
export interface StoredState {
  readonly epoch: number;
  readonly seq: number;
  readonly value: Readonly<Record<string, unknown>>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Decodes a message of the updates subject; `undefined` for anything else. */
export function decodeMessage(codec: Codec, data: Uint8Array): StateMessage | undefined {
  let m: unknown;
  try {
    m = codec.decode(data);
  } catch {
    return undefined;
  }
  if (!isRecord(m) || typeof m.epoch !== "number" || typeof m.seq !== "number") return undefined;
  if (m.beat === true) return { epoch: m.epoch, seq: m.seq, beat: true };
  if (typeof m.isSnapshot !== "boolean" || !isRecord(m.data)) return undefined;
  return m as unknown as StateUpdate;
}

/** Decodes a stored state; `undefined` when it is not one. */
export function decodeStored(codec: Codec, data: Uint8Array): StoredState | undefined {
  let m: unknown;
  try {
    m = codec.decode(data);
  } catch {
    return undefined;
  }
  if (!isRecord(m) || typeof m.epoch !== "number" || typeof m.seq !== "number" || !isRecord(m.value))
    return undefined;
  return m as unknown as StoredState;
}
