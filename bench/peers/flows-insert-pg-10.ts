// A peer of the flow scenarios (see bench/lib/flow-scenarios.ts).
import { insertPostgres } from "../lib/flow-peers.js";

await insertPostgres(10);
