export { type DiscoveryOptions, discovery, discoverySubjects } from "./discovery.js";
export { type ObserveOptions, observeNodes } from "./observe-nodes.js";
