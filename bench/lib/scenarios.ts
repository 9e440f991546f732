// The scenarios, their peers and Tesserae's targets (issue 2, "Benchmarks").
import { eventStoreScenarios } from "./es-scenarios.js";
import { flowScenarios } from "./flow-scenarios.js";
import { lambdaScenarios } from "./lambda-scenarios.js";
import { stateScenarios } from "./states-scenarios.js";
import { HELLO_PATH, USER_PATH, validUser } from "./workload.js";

export interface Peer {
  readonly name: string;
  /** File under bench/peers/. */
  readonly file: string;
  /** Tesserae must reach at least this multiple of the peer's throughput. */
  readonly target?: number;
  /** False for a reference peer that does not validate (not checked for refusing a bad body). */
  readonly validates?: boolean;
  readonly note?: string;
}

export interface HttpScenario {
  readonly kind: "http";
  readonly name: string;
  readonly title: string;
  readonly method: "GET" | "POST";
  readonly path: string;
  readonly body?: unknown;
  readonly peers: readonly Peer[];
}

export interface CallScenario {
  readonly kind: "call";
  readonly name: string;
  readonly title: string;
  /** False for calls between processes: the caller is not pinned, so that its responder and the broker share the cores. */
  readonly pinned?: boolean;
  /** What `rate` counts, when not calls per second (e.g. `starts/min`). */
  readonly unit?: string;
  readonly peers: readonly Peer[];
}

export type Scenario = HttpScenario | CallScenario;

/** The peer every ratio is computed against. */
export const TESSERA = "tesserae";

export const scenarios: readonly Scenario[] = [
  {
    kind: "http",
    name: "http-get",
    title: 'GET of an entry returning {"hello":"world"}',
    method: "GET",
    path: HELLO_PATH,
    peers: [
      { name: "node:http", file: "raw.ts", target: 0.95 },
      { name: "fastify", file: "fastify.ts", target: 1.0, note: "response schema" },
      { name: "hono", file: "hono.ts" },
      { name: "moleculer-web", file: "moleculer-web.ts" },
      { name: TESSERA, file: "tesserae.ts" },
    ],
  },
  {
    kind: "http",
    name: "http-post",
    title: "POST of an entry with a validated 4-field JSON body",
    method: "POST",
    path: USER_PATH,
    body: validUser,
    peers: [
      { name: "node:http", file: "raw.ts", validates: false, note: "JSON.parse, no validation (reference)" },
      { name: "fastify", file: "fastify.ts", target: 1.1, note: "ajv body schema" },
      { name: "moleculer-web", file: "moleculer-web.ts", target: 2.5, note: "fastest-validator" },
      { name: TESSERA, file: "tesserae.ts", note: "zod" },
    ],
  },
  {
    kind: "call",
    name: "call",
    title: "In-process call with input validation, 100 in flight",
    peers: [
      { name: "moleculer", file: "call-moleculer.ts", target: 1.2, note: "broker.call, fastest-validator" },
      { name: TESSERA, file: "call-tesserae.ts", note: "node.call, zod" },
    ],
  },
  {
    kind: "call",
    name: "remote-call",
    title: "Call to a service in another process over NATS (127.0.0.1:4222), 100 in flight",
    pinned: false,
    peers: [
      {
        name: "moleculer",
        file: "remote-moleculer.ts",
        target: 1.5,
        note: "NATS transporter, fastest-validator",
      },
      {
        name: "nats.js",
        file: "remote-raw.ts",
        target: 0.8,
        validates: false,
        note: "raw pub/sub + correlation id, no validation",
      },
      {
        name: "nats.js+headers",
        file: "remote-raw-headers.ts",
        validates: false,
        note: "the same, with Tesserae's request id, deadline and traceparent in NATS headers",
      },
      { name: TESSERA, file: "remote-tesserae.ts", note: "node.call, zod, discovery" },
    ],
  },
  {
    kind: "http",
    name: "http-remote",
    title: "POST through a gateway node to the service on another node (vs one process)",
    method: "POST",
    path: USER_PATH,
    body: validUser,
    peers: [
      { name: "one process", file: "tesserae.ts", note: "gateway and service in one node" },
      { name: TESSERA, file: "gateway-remote.ts", note: "gateway node → NATS → service node" },
    ],
  },
  ...eventStoreScenarios,
  ...flowScenarios,
  ...lambdaScenarios,
  ...stateScenarios,
];
