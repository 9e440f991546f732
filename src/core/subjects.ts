/** The subjects of Tesserae on a transport (their `tessera.` prefix is part of the wire format). */
export const subjects = {
  entry: (service: string, entry: string) => `tessera.svc.${service}.${entry}`,
  event: (name: string) => `tessera.evt.${name}`,
  /** Where a durable event goes when the handler `key` of `service` gave up on it. */
  deadLetter: (service: string, key: string) => `tessera.dlq.${service}.${key}`,
  /** An entry served by one node: callers that know the live nodes (discovery) choose the instance. */
  node: (node: string, service: string, entry: string) => `tessera.node.${node}.${service}.${entry}`,
  /** Every subject of one node (its one subscription). */
  nodeAll: (node: string) => `tessera.node.${node}.>`,
  /** Answered by a node while it serves: "no responders" on it means the node is gone. */
  nodePing: (node: string) => `tessera.node.${node}._ping`,
} as const;
