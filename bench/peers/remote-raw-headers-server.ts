// Raw nats.js responder that reads the call metadata headers before answering.
import { rawResponder } from "../lib/raw-nats.js";

await rawResponder(true);
