import type { FieldSpec } from "../../ports/declared-flow-store.js";
import type { FlowDefinition } from "./definition.js";

/**
 * How a run reaches a service: POST to an address, or a call to one of Tesserae's own entries (whose
 * results the node checks against their output schema itself).
 */
export type ServiceTarget =
  | {
      readonly kind: "http";
      readonly address: string;
      readonly inputs: readonly FieldSpec[];
      /** What its answers are checked against (absent from the snapshots of runs started before the check). */
      readonly outputs?: readonly FieldSpec[];
    }
  | { readonly kind: "entry"; readonly entry: string; readonly inputs: readonly FieldSpec[] };

/**
 * What a run works from, journaled as its first effect: the definition of the version it started
 * with and the services it calls as they were then. Replays and restarts read it back, so a run is
 * unaffected by later versions, deletions or re-registrations.
 */
export interface RunSnapshot {
  readonly version: number;
  readonly definition: FlowDefinition;
  readonly services: Readonly<Record<string, ServiceTarget>>;
  /**
   * When the run was created (epoch ms): a States Language run's `$$.Execution.StartTime`, the same
   * for every state and every replay. Absent from the snapshots of runs started before it was kept.
   */
  readonly startedAt?: number;
}

/** The journal name of the snapshot effect (no step id can take it: ids start with a letter). */
export const SNAPSHOT_STEP = "$definition";
