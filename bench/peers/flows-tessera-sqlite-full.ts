// A peer of the flow scenarios (see bench/lib/flow-scenarios.ts).
import { tesseraSqlite } from "../lib/flow-peers.js";

await tesseraSqlite("FULL");
