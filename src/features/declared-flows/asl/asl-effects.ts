import type { AslMachine, Json } from "./asl-types.js";
import type { Draws } from "./intrinsic-functions.js";

/**
 * What a States Language run does outside its pure steps: on the durable engine each is an effect
 * of the run's journal (a Task's result, a Wait's timer, a drawn value), so that a replay after a
 * crash reads them back instead of doing them again; in memory (tests, peers' fixtures) they are
 * done directly.
 */
export interface AslEffects extends Draws {
  /** The run's id (`$$.Execution.Id`) and the machine's name (`$$.StateMachine.Name`). */
  readonly executionId: string;
  readonly machineName: string;
  /**
   * When the run started (epoch ms, `$$.Execution.StartTime`), when known before the run: on the
   * engine, the run's creation, kept in its snapshot. Unknown, the time is drawn where a state first
   * reads it.
   */
  readonly startTime?: number;
  /** Runs a Task's resource once on `input`; `name` is the state's (the journal's step name). */
  task(name: string, resource: string, input: Json, timeoutMs: number | undefined): Promise<Json>;
  /** A durable pause of `ms` (a Wait, or the delay before a retry). */
  sleep(name: string, ms: number): Promise<void>;
  /** A durable pause until an epoch time in ms (a Wait's `Timestamp`). */
  sleepUntil(name: string, at: number): Promise<void>;
  /** Runs branches side by side; each advances and replays on its own; the first failure fails all. */
  parallel<T>(branches: readonly (() => Promise<T>)[]): Promise<T[]>;
  /** The time, epoch ms (journaled on the engine). */
  now(): number;
  /** Counts a state against the run's budget; now and then a pause to await (yield to the event loop). */
  tick(): Promise<void> | undefined;
  /**
   * Told when a state of `machine` (the definition, a branch, a processor) is entered, left for the
   * next, or left by an error (a Fail, an error no Catch took): a run's diagram replays the journal
   * with it to know where the run went. None on the engine.
   */
  visit?(machine: AslMachine, name: string, event: "enter" | "leave" | "fail"): void;
}
