import type { NodePlugin, TesseraNode } from "../../core/node.js";
import { RepeatedFailure } from "../../core/repeated-failure.js";
import type { TransportSubscription } from "../../core/transport-message.js";
import { decodeId, decodeInfo, encodeId, encodeInfo } from "./node-info.js";

/** The subjects of discovery, shared by every node of a system. */
export const discoverySubjects = {
  /** A node's full description, on start, every heartbeat and when asked. */
  heartbeat: "tessera.discovery.heartbeat",
  /** A node that starts asks the others to announce themselves at once. */
  hello: "tessera.discovery.hello",
  /** A node that stops gracefully. */
  leave: "tessera.discovery.leave",
} as const;

export interface DiscoveryOptions {
  /** Interval of heartbeats in ms (default 1000). */
  readonly heartbeatMs?: number;
  /** A node not heard of for this many heartbeats is dropped (default 3). */
  readonly missedHeartbeats?: number;
}

/**
 * Service discovery over the node's own transport: each node announces itself (id, host,
 * version, services and entries, readiness, load) on start and with every heartbeat, answers the
 * `hello` of a node that starts, and says `leave` when it stops gracefully. A node missing
 * `missedHeartbeats` heartbeats is dropped. The node's registry then routes remote calls to live
 * instances only (see `RemoteRouter`).
 *
 * @example
 * const node = createNode({
 *   services: [text, pipeline],
 *   transport: natsTransport({ servers: "nats://127.0.0.1:4222" }),
 *   plugins: [discovery({ heartbeatMs: 1000 })],
 * });
 */
export function discovery(options: DiscoveryOptions = {}): NodePlugin {
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const bound = heartbeatMs * (options.missedHeartbeats ?? 3);
  let timer: NodeJS.Timeout | undefined;
  let subs: TransportSubscription[] = [];
  /** Heartbeats the transport refused: the first logged, the next counted (issue 19). */
  let failures: RepeatedFailure | undefined;

  const announce = (node: TesseraNode) =>
    node.transport.publish(discoverySubjects.heartbeat, encodeInfo(node.info())).then(
      () => failures?.recovered(),
      (err: unknown) => void failures?.failed(err),
    );

  return {
    name: "discovery",
    async start(node) {
      const { transport, registry } = node;
      failures = new RepeatedFailure(node.logger, "discovery: announcing this node");
      subs = [
        await transport.subscribe(discoverySubjects.heartbeat, {}, (msg) => {
          const info = decodeInfo(msg.data);
          if (info !== undefined) registry.upsert(info);
        }),
        await transport.subscribe(discoverySubjects.leave, {}, (msg) => {
          const id = decodeId(msg.data);
          if (id !== undefined) registry.remove(id, "left");
        }),
        await transport.subscribe(discoverySubjects.hello, {}, (msg) => {
          if (decodeId(msg.data) !== node.id) void announce(node);
        }),
      ];
      registry.enabled = true;
      await transport.publish(discoverySubjects.hello, encodeId(node.id)).catch(() => undefined);
      await announce(node);
      let connected = true;
      timer = setInterval(() => {
        const now = transport.status().connected;
        if (!now) {
          // Deaf while disconnected: nobody is dropped for a silence we caused.
          connected = false;
          return;
        }
        if (!connected) {
          connected = true;
          registry.touchAll();
          void transport.publish(discoverySubjects.hello, encodeId(node.id)).catch(() => undefined);
        }
        void announce(node);
        const dropped = registry.dropSilent(bound);
        if (dropped.length > 0) node.logger.warn("nodes dropped after missed heartbeats", { nodes: dropped });
      }, heartbeatMs);
      timer.unref();
    },
    async stop(node) {
      clearInterval(timer);
      timer = undefined;
      // Deregister before the node stops serving: callers stop choosing it, its calls in flight finish.
      await node.transport.publish(discoverySubjects.leave, encodeId(node.id)).catch(() => undefined);
      const all = subs;
      subs = [];
      await Promise.allSettled(all.map((s) => s.unsubscribe()));
      node.registry.enabled = false;
      node.registry.clear();
    },
  };
}
