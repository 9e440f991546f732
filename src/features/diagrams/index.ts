export { codedGraph } from "./coded-graph.js";
export { declaredGraph } from "./declared-graph.js";
export { diagramsService } from "./diagrams-service.js";
export { FlowDiagrams } from "./flow-diagrams.js";
export type { FlowGraph, GraphEdge, GraphNode, NodeKind, NodeState } from "./flow-graph.js";
export { toMermaid } from "./mermaid.js";
export { toSvg } from "./svg.js";
