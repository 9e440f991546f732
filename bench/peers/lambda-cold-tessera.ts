// Tessera: the example's function (tessera build --target lambda): fresh process → first answer to an HTTP API (v2) event.
import { measureColdStarts } from "../lib/cold-start.js";
import { tesseraFunction } from "../lib/lambda-bundles.js";
import { envNumber, reportResult } from "../lib/peer-process.js";

reportResult(await measureColdStarts(await tesseraFunction(), envNumber("BENCH_COLD_STARTS", 20)));
