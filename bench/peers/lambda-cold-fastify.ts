// Fastify 5 + @fastify/aws-lambda: fresh process → first answer to an HTTP API (v2) event.
import { measureColdStarts } from "../lib/cold-start.js";
import { fastifyFunction } from "../lib/lambda-bundles.js";
import { envNumber, reportResult } from "../lib/peer-process.js";

reportResult(await measureColdStarts(await fastifyFunction(), envNumber("BENCH_COLD_STARTS", 20)));
