// A peer of the flow scenarios (see bench/lib/flow-scenarios.ts).
import { insertSqlite } from "../lib/flow-peers.js";

await insertSqlite("NORMAL");
