// Moleculer 0.14: local `broker.call` with fastest-validator params.
import { measureCalls } from "../lib/caller.js";
import { benchBroker } from "../lib/moleculer.js";

const broker = await benchBroker();
await broker.start();
await measureCalls((input) => broker.call("bench.user", input));
await broker.stop();
