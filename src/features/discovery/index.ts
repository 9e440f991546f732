export { type DiscoveryOptions, discovery, discoverySubjects } from "./discovery.js";
