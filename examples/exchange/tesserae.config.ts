import { defineConfig } from "../../src/index.js";
import { client } from "./client.js";
import { feed } from "./feed.js";
import { tape } from "./tape.js";
import { trader } from "./trader.js";

// service_framework's exchange as a Tesserae project: run each service in its own process with
// `tesserae start --services <name>`, wired by addresses.nats.json (a broker) or
// addresses.direct.json (host:port endpoints, direct sockets, no broker). How to run it both ways:
// "The exchange example, on NATS and brokerless" in the repository's README.md.
export default defineConfig({
  name: "exchange",
  services: [feed, trader, tape, client],
});
