// Tesserae's HTTP gateway (`serve`) in front of the `bench` service.
import { serve } from "../../src/index.js";
import { announceServer } from "../lib/peer-process.js";
import { benchNode } from "../lib/tesserae.js";

const server = await serve(await benchNode(), { port: 0, host: "127.0.0.1" });
announceServer(server.url, () => server.close());
