// The state of the states scenario, shared by its owner and holders.
import { z } from "zod";
import { state } from "../../src/features/states/index.js";

export const benchQuotes = state("bench.quotes", z.record(z.string(), z.number()), { initial: {} });
