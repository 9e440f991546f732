import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import type { TestClient } from "../../../src/testing/index.js";

/** What an external service answers a call with. */
export type ServiceHandler = (body: Record<string, unknown>) => {
  status?: number;
  json?: unknown;
  text?: string;
  /** Sent as is with `content-type: application/json` (JSON that JSON.stringify cannot write). */
  raw?: string;
};

export interface RecordedCall {
  readonly path: string;
  readonly body: Record<string, unknown>;
  /** The `idempotency-key` header of the call. */
  readonly key: string;
  /** The `fencing-token` header of the call: the run's lease generation. */
  readonly token: string;
}

export const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
export const uuid = /^[0-9a-f-]{36}$/;
/** A field of a service or flow definition. */
export const field = (name: string, type = "string") => ({ name, type });

/**
 * External HTTP services on one local port for the tests of a file: each path answers what its
 * handler says, every call is recorded. Registers the file's hooks: the server starts before its
 * tests and stops after them; handlers and calls are cleared after each test.
 */
export function externalServices() {
  const handlers = new Map<string, ServiceHandler>();
  const calls: RecordedCall[] = [];
  let server: Server | undefined;
  let base = "";

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => {
        raw += c;
      });
      req.on("end", () => {
        const body = raw === "" ? {} : (JSON.parse(raw) as Record<string, unknown>);
        calls.push({
          path: req.url!,
          body,
          key: String(req.headers["idempotency-key"]),
          token: String(req.headers["fencing-token"]),
        });
        const h: ServiceHandler =
          handlers.get(req.url!) ?? (() => ({ status: 404, json: { message: "no such path" } }));
        const r = h(body);
        if (r.raw !== undefined)
          res.writeHead(r.status ?? 200, { "content-type": "application/json" }).end(r.raw);
        else if (r.text !== undefined)
          res.writeHead(r.status ?? 200, { "content-type": "text/html" }).end(r.text);
        else
          res.writeHead(r.status ?? 200, { "content-type": "application/json" }).end(JSON.stringify(r.json));
      });
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => (server === undefined ? r() : server.close(() => r()))));
  afterEach(() => {
    handlers.clear();
    calls.length = 0;
  });

  return {
    handlers,
    calls,
    /** `http://127.0.0.1:<port>` once the server listens. */
    get base(): string {
      return base;
    },
    /**
     * A `register(name, handler, inputs?, outputs?)` that serves `name` with `handler` and registers
     * it through the /declared API of the client `clientOf` gives at the time (the test's fixture).
     */
    registrar(clientOf: () => TestClient) {
      return async (
        name: string,
        h: ServiceHandler,
        inputs = [field("message")],
        outputs = [field("message")],
      ): Promise<{ id: string }> => {
        handlers.set(`/${name}`, h);
        const res = await clientOf().post("/declared/services", {
          name,
          address: `${base}/${name}`,
          inputs,
          outputs,
        });
        expect(res.status).toBe(201);
        return res.body as { id: string };
      };
    },
  };
}
