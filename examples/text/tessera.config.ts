import { defineConfig } from "../../src/index.js";
import { pipeline, text } from "./services.js";

// The example system as a project: `npm start` runs `tessera start` on it, `npm run dev` reloads it.
export default defineConfig({
  name: "tessera-example",
  services: [text, pipeline],
  gateway: { port: 3000 },
});
