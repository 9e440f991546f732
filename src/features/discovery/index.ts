export type { Departure, NodeInfo, RegisteredNode } from "../../core/endpoint-registry.js";
export { type DiscoveryOptions, discovery } from "./discovery.js";
export { type ObserveOptions, observeNodes } from "./observe-nodes.js";
