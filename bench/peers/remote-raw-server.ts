// Raw nats.js: a subscription that parses the request and publishes the reply (no validation).
import { rawResponder } from "../lib/raw-nats.js";

await rawResponder(false);
