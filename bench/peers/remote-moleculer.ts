// Moleculer 0.14: `broker.call("bench.user")` to a broker in another process, NATS transporter.
import { loadBroker } from "../lib/moleculer.js";
import { measureRemoteCalls } from "../lib/remote-caller.js";
import { NATS_URL, startResponder } from "../lib/responder.js";

const responder = await startResponder("remote-moleculer-server");
const broker = await loadBroker({ nodeID: "bench-caller", transporter: NATS_URL });
await broker.start();
await broker.waitForServices(["bench"]);
await measureRemoteCalls((input) => broker.call("bench.user", input));
await broker.stop();
await responder.stop();
