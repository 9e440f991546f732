import { mkdirSync } from "node:fs";
import Database from "better-sqlite3";
import { createNode, serve } from "tesserae";
import { createDeclaredFlows, declaredFlowsService, machineryService } from "tesserae/declared-flows";
import { diagramsService } from "tesserae/diagrams";
import { createFlowEngine, flowsService } from "tesserae/flows";
import { memoryTransport } from "tesserae/memory";
import { sqliteDeclaredFlowStore, sqliteFlowStore } from "tesserae/sqlite";
import { text } from "../text/services.js";

// One SQLite file for the runs, the service registry and the versioned definitions.
mkdirSync(".tesserae", { recursive: true }); // SQLite creates the file, not its folder
const database = new Database(".tesserae/declared.db");
const engine = createFlowEngine({ store: sqliteFlowStore({ database }), flows: [] });
const declared = createDeclaredFlows({
  engine,
  store: sqliteDeclaredFlowStore({ database }),
  // Tesserae's own entries are in the registry as `text.upper`…; aliases list them under short names too.
  aliases: { upper: "text.upper", reverse: "text.reverse", spaces: "text.spaces" },
});
const node = createNode({
  services: [
    text,
    flowsService(engine), // /flows/…
    declaredFlowsService(declared), // /declared/…
    machineryService(declared), // /healthcheck, /s, /w, /e/:id
    diagramsService(engine, declared), // /flows/:name/diagram.svg, /flows/runs/:runId/diagram.svg
  ],
  plugins: [engine, declared],
  transport: memoryTransport(),
});
await serve(node, { port: 3000, handleSignals: true });
