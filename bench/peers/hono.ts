// Hono 4 on @hono/node-server (GET only).
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { load } from "../lib/load.js";
import { announceServer } from "../lib/peer-process.js";
import { HELLO_PATH, hello } from "../lib/workload.js";

interface HonoContext {
  json(body: unknown): Response;
}
interface HonoApp {
  get(path: string, handler: (c: HonoContext) => Response): void;
  fetch: (request: Request) => Response | Promise<Response>;
}
type Serve = (
  options: { fetch: HonoApp["fetch"]; port: number; hostname: string },
  listening: (info: AddressInfo) => void,
) => Server;

const { Hono } = await load<{ Hono: new () => HonoApp }>("hono");
const { serve } = await load<{ serve: Serve }>("@hono/node-server");

const app = new Hono();
app.get(HELLO_PATH, (c) => c.json(hello));

const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
  announceServer(`http://127.0.0.1:${info.port}`, () => new Promise((resolve) => server.close(resolve)));
});
