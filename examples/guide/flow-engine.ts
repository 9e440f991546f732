import { mkdirSync } from "node:fs";
import Database from "better-sqlite3";
import pg from "pg";
import { createNode, serve } from "tesserae";
import { createFlowEngine, flowsService } from "tesserae/flows";
import { memoryTransport } from "tesserae/memory";
import { postgresFlowStore } from "tesserae/postgres";
import { sqliteFlowStore } from "tesserae/sqlite";
import { fulfil, nightly, onboard } from "./flows.js";
import { hello } from "./hello.js";

// Embedded: one process, runs in a SQLite file (WAL). Distributed: as many workers as you like on PostgreSQL.
mkdirSync(".tesserae", { recursive: true }); // SQLite creates the file, not its folder
const store = process.env.DATABASE_URL
  ? postgresFlowStore({ pool: new pg.Pool({ connectionString: process.env.DATABASE_URL }) })
  : sqliteFlowStore({ database: new Database(".tesserae/flows.db") });

const flows = createFlowEngine({ store, flows: [onboard, nightly, fulfil] });
// The engine is a plugin of the node (started and stopped with it); flowsService(flows) is its HTTP API.
const node = createNode({
  services: [hello, flowsService(flows)],
  plugins: [flows],
  transport: memoryTransport(),
});
await serve(node, { port: Number(process.env.PORT ?? 3000), handleSignals: true });

// Or from code: start a run and wait for its output (typed by the flow's schemas).
console.log(await flows.execute(fulfil, { orderId: "o-1" })); // "greeted"
// onboard calls accounts.example, a placeholder: point it at your accounts service, then
// `await flows.execute(onboard, { name: "Ada", email: "ada@example.com" })` (it sleeps 1 h and
// waits up to 2 days for its approval signal: startRun returns the run at once).
