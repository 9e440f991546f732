// A peer of the flow scenarios: DBOS Transact (see bench/lib/flow-dbos.ts).
import { dbos } from "../lib/flow-dbos.js";

await dbos();
