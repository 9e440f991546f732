// A peer of the flow scenarios (see bench/lib/flow-scenarios.ts).
import { tesseraPostgres } from "../lib/flow-peers.js";

await tesseraPostgres();
