import { defineConfig } from "../../src/index.js";
import { accountsService } from "../accounts/service.js";
import { accountView } from "../accounts/view.js";
import { bookTrip, textPipeline } from "./flows.js";
import { pipeline, text } from "./services.js";

// The example system as a project: `npm start` runs `tesserae start` on it, `npm run dev` reloads it.
export default defineConfig({
  name: "tesserae-example",
  services: [text, pipeline],
  // Durable flows, run on the stage's store (default sqlite:.tesserae/dev.db) and served under /flows.
  flows: [textPipeline, bookTrip],
  // Declared flows (JSON, machinery's REST API): the text entries are in the registry as upper, reverse,
  // spaces, and spaces under the name of machinery's example service too, so that machinery's README
  // workflow (upper, reverse, space-counter) runs as written.
  declaredFlows: {
    aliases: {
      upper: "text.upper",
      reverse: "text.reverse",
      spaces: "text.spaces",
      "space-counter": "text.spaces",
    },
  },
  // The event-sourced accounts service, on the same store (its events, read model and outbox).
  eventSourcing: { services: (es) => [accountsService(es)], projections: [accountView] },
  gateway: { port: 3000 },
});
