import { defineConfig } from "../../src/index.js";
import { bookTrip, processText } from "./flows.js";
import { pipeline, text } from "./services.js";

// The example system as a project: `npm start` runs `tessera start` on it, `npm run dev` reloads it.
export default defineConfig({
  name: "tessera-example",
  services: [text, pipeline],
  // Durable flows, run on the stage's store (default sqlite:.tessera/dev.db) and served under /flows.
  flows: [processText, bookTrip],
  gateway: { port: 3000 },
});
