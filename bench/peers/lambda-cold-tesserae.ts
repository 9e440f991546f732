// Tesserae: the example's function (tesserae build --target lambda): fresh process → first answer to an HTTP API (v2) event.
import { measureColdStarts } from "../lib/cold-start.js";
import { oursFunction } from "../lib/lambda-bundles.js";
import { envNumber, reportResult } from "../lib/peer-process.js";

reportResult(await measureColdStarts(await oursFunction(), envNumber("BENCH_COLD_STARTS", 20)));
