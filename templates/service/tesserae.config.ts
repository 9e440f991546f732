import { defineConfig } from "tesserae";
import { greeter } from "./src/greeter.js";

// The project: which services run, the stages, the gateway, and project commands (`tesserae greet`).
// Execution settings (ports, URLs, service config) go in .env and .env.<stage>.
export default defineConfig({
  services: [greeter],
  gateway: { port: 3000 },
  stages: {
    dev: {},
    test: {},
    prod: { gateway: { host: "0.0.0.0" } },
  },
  commands: {
    greet: {
      description: "Greets someone from the command line",
      module: "./src/commands/greet.ts",
      options: { name: { default: "world", description: "Who to greet" } },
      stages: { prod: { name: "production" } },
      example: "tesserae greet --name Ada",
    },
  },
});
