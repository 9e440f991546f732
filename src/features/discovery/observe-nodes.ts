import { EndpointRegistry, type RegisteredNode } from "../../core/endpoint-registry.js";
import { newNodeId } from "../../core/ids.js";
import type { Transport } from "../../core/transport.js";
import type { TransportSubscription } from "../../core/transport-message.js";
import { discoverySubjects } from "./discovery.js";
import { decodeId, decodeInfo, encodeId } from "./node-info.js";

export interface ObserveOptions {
  /** How long to listen, in ms (default 1200: past one heartbeat of the default 1 s). */
  readonly waitMs?: number;
}

/**
 * The live nodes of a system, seen from outside it (what `tesserae nodes` prints): asks every node
 * to announce itself at once, then listens to the announcements for `waitMs`. The observer never
 * announces itself, so it appears in nobody's registry. The transport must be connected.
 *
 * @example
 * await transport.connect();
 * const nodes = await observeNodes(transport, { waitMs: 1500 });
 */
export async function observeNodes(
  transport: Transport,
  options: ObserveOptions = {},
): Promise<RegisteredNode[]> {
  const id = `observer-${newNodeId()}`;
  const registry = new EndpointRegistry(id);
  const subs: TransportSubscription[] = [];
  try {
    subs.push(
      await transport.subscribe(discoverySubjects.heartbeat, {}, (msg) => {
        const info = decodeInfo(msg.data);
        if (info !== undefined) registry.upsert(info);
      }),
      await transport.subscribe(discoverySubjects.leave, {}, (msg) => {
        const left = decodeId(msg.data);
        if (left !== undefined) registry.remove(left, "left");
      }),
    );
    await transport.publish(discoverySubjects.hello, encodeId(id));
    await new Promise((resolve) => setTimeout(resolve, options.waitMs ?? 1200));
  } finally {
    await Promise.allSettled(subs.map((s) => s.unsubscribe()));
  }
  return registry.list();
}
