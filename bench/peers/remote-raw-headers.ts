// Raw nats.js carrying Tesserae's call metadata in NATS headers (request id, deadline, traceparent).
import { rawCaller } from "../lib/raw-nats.js";

await rawCaller("remote-raw-headers-server", true);
