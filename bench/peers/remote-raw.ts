// Raw nats.js: publish/subscribe with a correlation id (one inbox subscription, a map of waiting calls).
import { rawCaller } from "../lib/raw-nats.js";

await rawCaller("remote-raw-server", false);
