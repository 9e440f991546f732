// Moleculer 0.14 + moleculer-web 0.10: the API gateway maps the routes to local actions; POST validates
// its params with fastest-validator.
import type { AddressInfo } from "node:net";
import { load } from "../lib/load.js";
import { benchBroker } from "../lib/moleculer.js";
import { announceServer } from "../lib/peer-process.js";

const { default: ApiGateway } = await load<{ default: object }>("moleculer-web");
const broker = await benchBroker();
broker.createService({
  name: "api",
  mixins: [ApiGateway],
  settings: {
    port: 0,
    ip: "127.0.0.1",
    routes: [
      {
        path: "/bench",
        mappingPolicy: "restrict",
        aliases: { "GET hello": "bench.hello", "POST user": "bench.user" },
        bodyParsers: { json: true },
      },
    ],
  },
});
await broker.start();

const { port } = broker.getLocalService("api")!.server.address() as AddressInfo;
announceServer(`http://127.0.0.1:${port}`, () => broker.stop());
