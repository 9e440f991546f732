import { z } from "zod";
import { memoryTransport } from "../../../src/adapters/memory/index.js";
import {
  createGateway,
  createLogger,
  createNode,
  entry,
  type GatewayOptions,
  type ServiceDef,
  service,
  TesseraError,
} from "../../../src/index.js";
import { type TestClient, testClient } from "../../../src/testing/index.js";

/** A logger that keeps its lines, to assert on what was logged. */
export function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

const Order = z.object({ id: z.coerce.number().int().positive(), note: z.string().optional() });

/** A service with one entry of each kind the gateway must handle. */
export const orders = service("orders", {
  entries: {
    get: entry(
      {
        input: z.object({
          limit: z.coerce.number().int().max(50).default(10),
          tag: z.array(z.string()).optional(),
        }),
      },
      (q) => ({
        limit: q.limit,
        tags: q.tag ?? [],
      }),
    ),
    getOrder: entry({ input: Order, params: ["id"] }, ({ id }) => ({ id })),
    getLatest: entry({ route: "GET /orders/latest" }, () => ({ latest: true })),
    post: entry({ input: z.object({ item: z.string() }), status: 201 }, ({ item }) => ({
      item,
      created: true,
    })),
    putOrder: entry({ input: Order, params: ["id"] }, (o) => o),
    deleteOrder: entry({ input: Order, params: ["id"] }, () => undefined),
    boom: entry(() => {
      throw new Error("secret database password in message");
    }),
    conflict: entry(() => {
      throw TesseraError.conflict("already shipped", { state: "shipped" });
    }),
    slow: entry({ input: z.object({ ms: z.number() }) }, async ({ ms }, ctx) => {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(t);
          resolve();
        });
      });
      return { aborted: ctx.signal.aborted };
    }),
  },
});

export function gatewayFor(services: ServiceDef[], options: GatewayOptions = {}) {
  const { logger, lines } = captureLogger();
  const node = createNode({ services, transport: memoryTransport(), logger });
  const gateway = createGateway(node, options);
  const client: TestClient = testClient(gateway);
  return { node, gateway, client, lines };
}
