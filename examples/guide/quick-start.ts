import { createNode, serve } from "tesserae";
import { memoryTransport } from "tesserae/memory";
import { hello } from "./hello.js";

// The main module: it starts the server, and exports nothing for other modules to import.
const node = createNode({ services: [hello], transport: memoryTransport() });
await serve(node, { port: 3000, handleSignals: true });
