import type { RequestLimits } from "../../features/gateway/request-bounds.js";
import type { ProjectSummary } from "../banner.js";

/**
 * How `tesserae dev` talks to its workers. A worker is `tesserae start` run as a child with an IPC
 * channel and this variable set: it listens on a free loopback port, says `ready`, and stops
 * (draining its requests) when told or when its supervisor goes away.
 */
export const workerFlag = "TESSERA_DEV_WORKER";

export interface ReadyMessage {
  readonly type: "ready";
  /** Where the worker listens (a free loopback port). */
  readonly url: string;
  /** Where the project's settings say to listen: the supervisor listens there. */
  readonly listen: { readonly port: number; readonly host: string };
  /** The project's bounds on requests: the supervisor's port keeps them too. */
  readonly limits: RequestLimits;
  readonly summary: ProjectSummary;
}

export interface StopMessage {
  readonly type: "stop";
}

/** True in a process started by `tesserae dev` as a worker. */
export function isDevWorker(): boolean {
  return process.env[workerFlag] === "1" && typeof process.send === "function";
}
