import { defineConfig } from "tesserae";
import { inventoryService } from "./src/inventory.js";
import { stockView } from "./src/stock-view.js";

// The project. The event-sourced services are built on the event store of the stage's store
// (sqlite:.tesserae/<stage>.db unless TESSERA_STORE says otherwise), which keeps their events, read
// models and outbox; other services go in `services`. Execution settings go in .env and .env.<stage>.
export default defineConfig({
  services: [],
  eventSourcing: { services: (es) => [inventoryService(es)], projections: [stockView] },
  gateway: { port: 3000 },
  stages: {
    dev: {},
    test: {},
    prod: { gateway: { host: "0.0.0.0" } },
  },
});
