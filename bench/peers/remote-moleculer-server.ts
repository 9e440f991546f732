// Moleculer 0.14: the `bench` service on a broker with the NATS transporter.
import { benchBroker } from "../lib/moleculer.js";
import { NATS_URL, serveUntilParentGoes } from "../lib/responder.js";

const broker = await benchBroker({ nodeID: "bench-responder", transporter: NATS_URL });
await broker.start();
serveUntilParentGoes(() => broker.stop());
