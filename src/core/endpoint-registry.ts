/** What a node says of itself when it announces itself and on each heartbeat. */
export interface NodeInfo {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** The application's version (not Tesserae's). */
  readonly version: string;
  readonly stage: string;
  /** The services the node runs, with their entries in its stage. */
  readonly services: readonly { readonly name: string; readonly entries: readonly string[] }[];
  /** Epoch ms. */
  readonly startedAt: number;
  readonly transport: string;
  /** Readiness of the node (its broker connection included). */
  readonly ready: boolean;
  /** Executions in progress, and remote calls served since start. */
  readonly load: { readonly inFlight: number; readonly served: number };
}

/** A node of the registry, with when it was last heard of. */
export interface RegisteredNode extends NodeInfo {
  /** Epoch ms of the last announcement or heartbeat. */
  readonly lastSeen: number;
}

/** Why a node left the registry: a graceful stop, silence past the heartbeat bound, or seen gone. */
export type Departure = "left" | "silent" | "gone";

/**
 * The registry of remote endpoints: the live nodes of the system and the services each runs.
 * Discovery fills it; the node's remote calls pick their target in it. When no discovery feeds it
 * (`enabled` false), remote calls go to the service's queue group instead.
 */
export class EndpointRegistry {
  /** True while a discovery feeds the registry. */
  enabled = false;
  private readonly nodes = new Map<string, RegisteredNode>();
  private readonly byService = new Map<string, RegisteredNode[]>();
  private readonly listeners = new Set<(id: string, why: Departure) => void>();

  constructor(readonly selfId: string) {}

  /** Adds or refreshes a node (the node itself is never listed as a remote endpoint). */
  upsert(info: NodeInfo, now = Date.now()): void {
    if (info.id === this.selfId) return;
    const known = this.nodes.get(info.id);
    const node: RegisteredNode = { ...info, lastSeen: now };
    this.nodes.set(info.id, node);
    // The index is rebuilt only when the node's services change, not on every heartbeat.
    if (known === undefined || !sameServices(known, info)) this.reindex();
    else for (const list of this.byService.values()) replaceIn(list, node);
  }

  remove(id: string, why: Departure): void {
    if (!this.nodes.delete(id)) return;
    this.reindex();
    for (const listener of this.listeners) listener(id, why);
  }

  /** Removes the nodes not heard of for `maxSilenceMs`; returns their ids. */
  dropSilent(maxSilenceMs: number, now = Date.now()): string[] {
    const dropped = [...this.nodes.values()].filter((n) => now - n.lastSeen > maxSilenceMs).map((n) => n.id);
    for (const id of dropped) this.remove(id, "silent");
    return dropped;
  }

  /** Counts every node as heard of now (after an outage of our own, when we could hear nobody). */
  touchAll(now = Date.now()): void {
    for (const [id, node] of this.nodes) this.nodes.set(id, { ...node, lastSeen: now });
    this.reindex();
  }

  /** Called when a node leaves the registry. */
  onDeparture(listener: (id: string, why: Departure) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(id: string): RegisteredNode | undefined {
    return this.nodes.get(id);
  }

  /** The live nodes running `service` (ready ones only). */
  instances(service: string): readonly RegisteredNode[] {
    return this.byService.get(service) ?? none;
  }

  /** Every registered node, oldest first. */
  list(): RegisteredNode[] {
    return [...this.nodes.values()].sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
  }

  clear(): void {
    for (const id of [...this.nodes.keys()]) this.remove(id, "left");
  }

  private reindex(): void {
    this.byService.clear();
    for (const node of this.nodes.values()) {
      if (!node.ready) continue;
      for (const s of node.services) {
        const list = this.byService.get(s.name);
        if (list === undefined) this.byService.set(s.name, [node]);
        else list.push(node);
      }
    }
  }
}

const none: readonly RegisteredNode[] = Object.freeze([]);

function sameServices(a: NodeInfo, b: NodeInfo): boolean {
  if (a.ready !== b.ready || a.services.length !== b.services.length) return false;
  return a.services.every((s, i) => {
    const t = b.services[i]!;
    return (
      s.name === t.name &&
      s.entries.length === t.entries.length &&
      s.entries.every((e, j) => e === t.entries[j])
    );
  });
}

function replaceIn(list: RegisteredNode[], node: RegisteredNode): void {
  const i = list.findIndex((n) => n.id === node.id);
  if (i !== -1) list[i] = node;
}
