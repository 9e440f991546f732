import { defineConfig } from "tesserae";

export default defineConfig({
  name: "guide",
  // Service definitions, or modules whose exported services all load.
  services: ["../text/services.ts", "./config-model.ts"],
  gateway: { port: 3000, cors: { origin: ["https://app.example.com"] } },
  transport: "memory",
  stages: {
    dev: {},
    prod: { gateway: { host: "0.0.0.0" }, store: "postgres://tessera@db.internal/tessera" },
  },
  commands: {
    // `tesserae shout --message hi`: runs ./shout.ts with the project's services loaded.
    shout: {
      description: "Upper-cases a message, a few times",
      module: "./shout.ts",
      options: { message: "hello", times: { default: 1, description: "How many times" } },
      stages: { prod: { times: 3 } },
    },
  },
});
