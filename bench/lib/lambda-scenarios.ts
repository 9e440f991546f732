// The Lambda scenarios (issue 8): cold start of the example's function beside Fastify's, and the
// cost of one warm invocation.
import type { Scenario } from "./scenarios.js";

export const lambdaScenarios: readonly Scenario[] = [
  {
    kind: "call",
    name: "lambda-cold",
    title:
      "Cold start: fresh node process → first answer to an HTTP API (v2) event, POST /text/upper (starts/min at the median; p99 = slowest of 20)",
    unit: "starts/min",
    pinned: false,
    peers: [
      {
        name: "node (empty)",
        file: "lambda-cold-node.ts",
        validates: false,
        note: "a process that loads nothing: the floor",
      },
      {
        name: "fastify",
        file: "lambda-cold-fastify.ts",
        target: 2.0,
        note: "fastify 5 + @fastify/aws-lambda 6, ajv schemas, esbuild bundle",
      },
      {
        name: "tesserae",
        file: "lambda-cold-tesserae.ts",
        note: "tesserae build --target lambda of examples/text",
      },
    ],
  },
  {
    kind: "call",
    name: "lambda-warm",
    title: "Warm invocations, one event at a time: POST /text/upper (calls/s = events/s; p99 of one event)",
    pinned: true,
    peers: [
      {
        name: "gateway.handle",
        file: "lambda-warm-gateway.ts",
        note: "the same request without an event: the difference is the adapter's cost",
      },
      {
        name: "fastify",
        file: "lambda-warm-fastify.ts",
        note: "@fastify/aws-lambda (light-my-request inject)",
      },
      { name: "tesserae", file: "lambda-warm-tesserae.ts", note: "v2 event → gateway → v2 result" },
    ],
  },
];
