import { hostname } from "node:os";
import type { NodeInfo, RegisteredNode } from "./endpoint-registry.js";
import type { CheckOutcome } from "./readiness-probe.js";
import { inStage } from "./routes.js";
import type { ServiceDef } from "./service.js";
import type { Transport } from "./transport.js";

export type NodeState = "created" | "starting" | "running" | "stopping" | "stopped";

export interface Readiness {
  readonly ready: boolean;
  readonly checks: {
    readonly node: NodeState;
    readonly transport: { readonly kind: string; readonly connected: boolean; readonly detail?: string };
    /** The stores (and other checks) the node uses, when it has any: their last ping. */
    readonly stores?: readonly CheckOutcome[];
  };
}

/** The topology a node knows: itself and the live nodes of the system. */
export interface Topology {
  /** True when a discovery feeds the registry (else remote calls go to queue groups). */
  readonly discovery: boolean;
  readonly self: NodeInfo;
  readonly nodes: readonly RegisteredNode[];
}

/** Whether a node in `state` can take traffic, with the state of its transport and of its `stores`. */
export function readinessOf(
  state: NodeState,
  transport: Transport,
  stores: readonly CheckOutcome[] = [],
): Readiness {
  const t = transport.status();
  const checks =
    t.detail === undefined
      ? { kind: transport.kind, connected: t.connected }
      : { kind: transport.kind, connected: t.connected, detail: t.detail };
  const ready = state === "running" && t.connected && stores.every((s) => s.ready);
  return stores.length === 0
    ? { ready, checks: { node: state, transport: checks } }
    : { ready, checks: { node: state, transport: checks, stores } };
}

/** What a node is made of, as far as it announces itself. */
export interface NodeFacts {
  readonly id: string;
  readonly version: string;
  readonly stage: string;
  readonly services: readonly ServiceDef[];
  readonly transport: Transport;
  readonly startedAt: number;
}

/** What a node announces of itself (discovery, `GET /registry`, `tesserae nodes`). */
export function infoOf(
  node: NodeFacts,
  now: { readonly state: NodeState; readonly inFlight: number; readonly served: number },
): NodeInfo {
  return {
    id: node.id,
    host: hostname(),
    pid: process.pid,
    version: node.version,
    stage: node.stage,
    services: node.services.map((s) => ({
      name: s.name,
      entries: Object.values(s.entries)
        .filter((ref) => inStage(ref, node.stage))
        .map((ref) => ref.name),
    })),
    startedAt: node.startedAt,
    transport: node.transport.kind,
    ready: readinessOf(now.state, node.transport).ready,
    load: { inFlight: now.inFlight, served: now.served },
  };
}
