// A peer of the flow scenarios (see bench/lib/flow-scenarios.ts).
import { oursSqlite } from "../lib/flow-peers.js";

await oursSqlite("FULL");
