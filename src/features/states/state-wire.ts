import { type Codec, codecs } from "../../core/codec.js";
import type { StateMessage, StateUpdate } from "./delta.js";

/** Where a state travels on the transport: its subjects and the key of its stored value. */
export interface StateSubjects {
  /** Updates and beats, from the owner to every holder. */
  readonly updates: string;
  /** Snapshot requests, answered by the owner. */
  readonly snapshot: string;
  /** Owners' claims: an owner announces its epoch here, and stands down on hearing a newer one. */
  readonly claims: string;
  /** The last-value key of the owner's value, number and epoch. */
  readonly stored: string;
}

/**
 * The subjects of state `name`: by default `tessera.state.<name>`, `tessera.state-snapshot.<name>`,
 * `tessera.state-claim.<name>` and the key `state.<name>`; with a `subject` from the addresses file
 * (`"market_price": "exchange.market_price"`), the updates on that subject, snapshot requests on
 * `<subject>.snapshot`, claims on `<subject>.claim` and the stored value under `state-at.<subject>`,
 * so that two systems wiring one state name to two subjects never share a value or fence each other.
 *
 * @example
 * stateSubjectsOf("market_price", "exchange.market_price").snapshot // "exchange.market_price.snapshot"
 */
export function stateSubjectsOf(name: string, subject?: string): StateSubjects {
  if (subject === undefined) {
    return {
      updates: `tessera.state.${name}`,
      snapshot: `tessera.state-snapshot.${name}`,
      claims: `tessera.state-claim.${name}`,
      stored: `state.${name}`,
    };
  }
  return {
    updates: subject,
    snapshot: `${subject}.snapshot`,
    claims: `${subject}.claim`,
    stored: `state-at.${subject}`,
  };
}

/** Subjects and keys of a state on its default subjects (no address), by name. */
export const stateSubjects = {
  updates: (name: string) => stateSubjectsOf(name).updates,
  snapshot: (name: string) => stateSubjectsOf(name).snapshot,
  claims: (name: string) => stateSubjectsOf(name).claims,
  stored: (name: string) => stateSubjectsOf(name).stored,
} as const;

/**
 * The header naming the codec of a snapshot (an owner's announcement, a full update, a snapshot
 * reply): a holder on another codec refuses it instead of applying what its codec made of it.
 */
export const CODEC_HEADER = "tessera-codec";

/** A codec as a user names it: its project name (`json`, `rich-json`) and content type. */
export function codecLabel(contentType: string): string {
  const name = Object.entries(codecs).find(([, c]) => c.contentType === contentType)?.[0];
  return name === undefined ? contentType : `${name} (${contentType})`;
}

/** The headers of a snapshot encoded by `codec`. */
export function codecHeaders(codec: Codec): Readonly<Record<string, string>> {
  return { [CODEC_HEADER]: codec.contentType };
}

/** What the owner stores: enough to resume its numbering and answer snapshots after a restart. */
export interface StoredState {
  readonly epoch: number;
  readonly seq: number;
  readonly value: Readonly<Record<string, unknown>>;
  /** The content type of the codec that stored it (absent in values stored before it was written). */
  readonly codec?: string;
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
  if (m.codec !== undefined && typeof m.codec !== "string") return undefined;
  return m as unknown as StoredState;
}
