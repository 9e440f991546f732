// A peer of the flow scenarios (see bench/lib/flow-scenarios.ts).
import { oursPostgres } from "../lib/flow-peers.js";

await oursPostgres();
