// The floor of every cold start: a fresh node process that loads nothing.
import { measureColdStarts } from "../lib/cold-start.js";
import { envNumber, reportResult } from "../lib/peer-process.js";

reportResult(await measureColdStarts("none", envNumber("BENCH_COLD_STARTS", 20)));
