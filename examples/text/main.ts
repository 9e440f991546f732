import { memoryTransport } from "../../src/adapters/memory/index.js";
import { createLogger, createNode, serve } from "../../src/index.js";
import { embeddedAccounts } from "../accounts/embedded.js";
import { exampleFlowEngine } from "./flows.js";
import { pipeline, text } from "./services.js";

// The example system, embedded: both services and their flows in one process on the in-memory bus,
// the flows' runs in SQLite under .tessera/.
const port = Number(process.env.PORT ?? 3000);
const logger = createLogger({ format: process.stdout.isTTY ? "pretty" : "json" });
const flows = exampleFlowEngine();
// The event-sourced accounts service, its events in .tessera/accounts.db.
const accounts = embeddedAccounts();
const node = createNode({
  services: [text, pipeline, flows.service, accounts.service],
  plugins: [flows, accounts.plugin],
  transport: memoryTransport(),
  logger,
});
const server = await serve(node, { port, handleSignals: true });

console.log(`
Tessera example system on ${server.url}

  curl -s -X POST ${server.url}/text/upper -H 'content-type: application/json' -d '{"message":"hello world"}'
  curl -s -X POST ${server.url}/pipeline/process -H 'content-type: application/json' -d '{"message":"hello world"}'
  curl -s -X POST ${server.url}/flows/process-text/runs -H 'content-type: application/json' -d '{"input":{"message":"hello world"}}'
  curl -s -X POST ${server.url}/flows/book-trip/runs -H 'content-type: application/json' -d '{"input":{"traveller":"Ada","failAt":"car"}}'
  curl -s -X POST ${server.url}/accounts -H 'content-type: application/json' -d '{"owner":"Ada"}'
  curl -s -X POST ${server.url}/accounts/<id>/deposit -H 'content-type: application/json' -d '{"amount":5}'
  curl -s ${server.url}/accounts/<id>
  curl -s ${server.url}/openapi.json

Routes:
${node.routes.map((r) => `  ${r.method.padEnd(6)} ${r.path.padEnd(20)} ${r.entry.id}`).join("\n")}

Ctrl-C stops it gracefully.
`);
