// Tesserae: the `bench` service shared by the HTTP peer and the in-process caller.
import { z } from "zod";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import { createNode, entry, service, silentLogger, type TesseraNode } from "../../src/index.js";
import { hello, userReply } from "./workload.js";

const User = z.object({ name: z.string(), email: z.string(), age: z.number().int(), active: z.boolean() });

export const bench = service("bench", {
  entries: {
    /** GET /bench/hello */
    getHello: entry({ output: z.object({ hello: z.string() }) }, () => hello),
    /** POST /bench/user */
    user: entry({ input: User, output: z.object({ ok: z.boolean(), name: z.string() }) }, userReply),
  },
});

/** A started node hosting `bench` on the in-memory transport, with a silent logger. */
export async function benchNode(): Promise<TesseraNode> {
  const node = createNode({ services: [bench], transport: memoryTransport(), logger: silentLogger });
  await node.start();
  return node;
}
