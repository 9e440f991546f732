// Issue 16, item 3 (SSRF): anyone could register http://169.254.169.254/…, 127.0.0.1:5432 or a
// hex or decimal form of them, run a workflow that POSTs there and read the answer; an internal
// service's error body came back in details.body; redirects were followed; user:pass@ of an address
// was shown in clear. Each is pinned here through the HTTP API, as an attacker would try it.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  memoryDeclaredFlowStore,
  memoryFlowStore,
  memoryTransport,
} from "../../../src/adapters/memory/index.js";
import { createLogger } from "../../../src/core/logger.js";
import { createNode, type TesseraNode } from "../../../src/core/node.js";
import { createDeclaredFlows } from "../../../src/features/declared-flows/declared-flows.js";
import { declaredFlowsService } from "../../../src/features/declared-flows/declared-flows-service.js";
import { machineryService } from "../../../src/features/declared-flows/machinery-service.js";
import type { EgressSettings } from "../../../src/features/flows/egress-policy.js";
import { createFlowEngine } from "../../../src/features/flows/engine.js";
import { flowsService } from "../../../src/features/flows/flows-service.js";
import { createGateway } from "../../../src/features/gateway/gateway.js";
import { type TestClient, testClient } from "../../../src/testing/index.js";

const SECRET_BODY = "internal-db-password-7f3a";
const received: { path: string; auth: string | undefined }[] = [];
let server: Server;
let base = "";
let port = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push({ path: req.url ?? "", auth: req.headers.authorization });
    req.resume();
    const path = (req.url ?? "").split("?")[0];
    req.on("end", () => {
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
      if (path === "/ok") json(200, { message: "ok" });
      else if (path === "/boom") json(500, { message: "boom", dsn: `postgres://app:${SECRET_BODY}@db/app` });
      else if (path === "/moved") json(307, {}, { location: `${base}/ok` });
      else if (path === "/html")
        res.writeHead(200, { "content-type": "text/html" }).end(`<p>${SECRET_BODY}</p>`);
      else json(404, { message: "no such path" });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

interface Fixture {
  readonly node: TesseraNode;
  readonly client: TestClient;
  readonly logs: string[];
}
const open: TesseraNode[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((n) => n.stop()));
  received.length = 0;
});

/** A node of `stage` with the declared-flow APIs (management open: the policy is what is tested). */
async function fixture(stage: string, egress: EgressSettings = {}): Promise<Fixture> {
  const logs: string[] = [];
  const logger = createLogger({ level: "warn", format: "json", write: (l) => logs.push(l) });
  const engine = createFlowEngine({ store: memoryFlowStore(), flows: [], pollMs: 50, egress });
  const declared = createDeclaredFlows({
    engine,
    store: memoryDeclaredFlowStore(),
    callTimeoutMs: 5000,
    management: { open: true },
  });
  const node = createNode({
    services: [flowsService(engine), declaredFlowsService(declared), machineryService(declared)],
    plugins: [engine, declared],
    transport: memoryTransport(),
    logger,
    stage,
  });
  await node.start();
  open.push(node);
  return { node, client: testClient(createGateway(node)), logs };
}

const service = (name: string, address: string) => ({
  name,
  address,
  inputs: [{ name: "message", type: "string" }],
  outputs: [],
});

/** Registers `address` as `name`, defines a flow `f-<name>` calling it, sends an event: the answer. */
async function runThrough(f: Fixture, name: string, address: string) {
  expect((await f.client.post("/declared/services", service(name, address))).status).toBe(201);
  const def = await f.client.post("/declared/flows", {
    name: `f-${name}`,
    inputs: [{ name: "message", type: "string" }],
    services: [name],
  });
  expect(def.status).toBe(201);
  return f.client.post(`/declared/flows/f-${name}/events`, { data: { message: "hi" } });
}

describe("declared flows: addresses refused at registration", () => {
  const everywhere = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://0xa9fea9fe/",
    "http://2852039166/",
  ];
  const outsideDev = [
    "http://127.0.0.1:5432/",
    "http://127.1/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://localhost:6379/",
    "http://10.0.0.8/",
    "http://172.16.4.4/",
    "http://192.168.0.10/",
    "http://[fc00::1]/",
    "http://169.254.10.10/",
    "http://[fe80::1]/",
  ];

  it.each(everywhere)(
    "refuses the metadata address %s in dev too (400 under address; 409 on /s)",
    async (address) => {
      const f = await fixture("dev");
      const res = await f.client.post("/declared/services", service("meta", address));
      expect(res.status).toBe(400);
      const fields = (res.body as { error: { details: { fields: Record<string, string[]> } } }).error.details
        .fields;
      expect(fields.address?.[0]).toMatch(/^Refused by the egress policy: .*cloud metadata (address|host)/);
      const s = await f.client.post("/s", service("meta", address));
      expect(s.status).toBe(409);
      expect((s.body as Record<string, string[]>).address?.[0]).toMatch(/^Refused by the egress policy/);
    },
  );

  it.each(outsideDev)("refuses %s outside dev", async (address) => {
    const f = await fixture("prod");
    const res = await f.client.post("/declared/services", service("inner", address));
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(
      /refused outside the dev stage unless egress\.cidrs or egress\.hosts allows it/,
    );
  });

  it.each(["file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO"])(
    "refuses the scheme of %s",
    async (address) => {
      const f = await fixture("dev");
      expect((await f.client.post("/declared/services", service("odd", address))).status).toBe(400);
    },
  );

  it("accepts a loopback address in dev, and runs it (the README's local examples)", async () => {
    const f = await fixture("dev");
    const res = await runThrough(f, "local", `${base}/ok`);
    expect(res.body).toMatchObject({ status: "completed", output: { message: "ok" } });
  });

  it("accepts a private range outside dev when egress.cidrs lists it", async () => {
    const f = await fixture("prod", { cidrs: ["127.0.0.0/8"] });
    const res = await runThrough(f, "allowed", `${base}/ok`);
    expect(res.body).toMatchObject({ status: "completed", output: { message: "ok" } });
  });
});

describe("declared flows: callbackUrl of an event", () => {
  it("is refused by the egress policy when the event is sent: 400 naming callbackUrl, no run", async () => {
    const f = await fixture("prod", { cidrs: ["127.0.0.0/8"] });
    await runThrough(f, "ok", `${base}/ok`);
    const res = await f.client.post("/declared/flows/f-ok/events", {
      data: { message: "hi" },
      callbackUrl: "http://[fd00:ec2::254]/latest/meta-data/",
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: {
        code: "TESSERA_VALIDATION",
        details: {
          issues: [{ path: "callbackUrl", message: expect.stringContaining("cloud metadata address") }],
        },
      },
    });
    expect(received.map((r) => r.path)).toEqual(["/ok"]);
  });
});

describe("declared flows: the call-time check (on the resolved address)", () => {
  it("fails a step whose name resolves to a private address outside dev, with nothing sent", async () => {
    const f = await fixture("prod", { resolve: async () => [{ address: "127.0.0.1", family: 4 }] });
    const res = await runThrough(f, "rebound", `http://innocent.invalid:${port}/ok`);
    expect(res.body).toMatchObject({
      status: "failed",
      error: {
        code: "TESSERA_FORBIDDEN",
        message: expect.stringContaining("innocent.invalid resolves to 127.0.0.1 is a loopback address"),
        details: { reason: "egress" },
      },
    });
    expect(received).toEqual([]);
  });

  it("runs a name that egress.hosts lists outside dev, whatever it resolves to (localhost)", async () => {
    const f = await fixture("prod", { hosts: ["localhost"] });
    const res = await runThrough(f, "listed", `http://localhost:${port}/ok`);
    expect(res.body).toMatchObject({ status: "completed" });
  });

  it("does not follow a 307: the step fails with its status, the target is never called", async () => {
    const f = await fixture("dev");
    const res = await runThrough(f, "moved", `${base}/moved`);
    expect(res.body).toMatchObject({
      status: "failed",
      error: {
        code: "TESSERA_UNAVAILABLE",
        message: "service moved answered 307: a redirect, not followed",
        details: { service: "moved", status: 307 },
      },
    });
    expect(received.map((r) => r.path)).toEqual(["/moved"]);
  });
});

describe("declared flows: an internal service's error body never reaches the caller", () => {
  it("is not in the event's answer, /declared/events/:id, /flows/runs/:id nor machinery's /e: it is logged with the request id", async () => {
    const f = await fixture("dev");
    const res = await runThrough(f, "boom", `${base}/boom`);
    const eventId = (res.body as { eventId: string }).eventId;
    expect(res.body).toMatchObject({
      status: "failed",
      error: {
        code: "TESSERA_UNAVAILABLE",
        message: `service boom answered 500 (its body is logged under request id ${eventId}:2)`,
        details: { service: "boom", status: 500, requestId: `${eventId}:2` },
      },
    });
    const event = await f.client.get(`/declared/events/${eventId}`);
    const run = await f.client.get(`/flows/runs/${eventId}`);
    const workflow = await f.client.post("/w", {
      name: "w-boom",
      services: ["boom"],
      inputs: [{ name: "message", type: "string" }],
    });
    const e = await f.client.post(`/e/${(workflow.body as { workflow_id: string }).workflow_id}`, {
      message: "x",
    });
    expect(e.status).toBe(502);
    for (const answer of [res, event, run, e]) {
      expect(JSON.stringify(answer.body)).not.toContain(SECRET_BODY);
    }
    const logged = f.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({
        msg: "service boom answered 500",
        requestId: `${eventId}:2`,
        status: 500,
        body: expect.stringContaining(SECRET_BODY),
      }),
    );
  });

  it("nor does a 2xx body that is not JSON", async () => {
    const f = await fixture("dev");
    const res = await runThrough(f, "html", `${base}/html`);
    expect(res.body).toMatchObject({ status: "failed", error: { code: "TESSERA_UNAVAILABLE" } });
    expect(JSON.stringify(res.body)).not.toContain(SECRET_BODY);
    expect(f.logs.join("\n")).toContain(SECRET_BODY);
  });
});

describe("declared flows: credentials in addresses are masked wherever an address is shown", () => {
  it("in the registration's answer, GET /declared/services(/:name), a run's history, errors and logs; sent as basic auth", async () => {
    const f = await fixture("dev");
    const address = `http://ops:s3cret-pass@127.0.0.1:${port}/ok?token=s3cret-token`;
    const reg = await f.client.post("/declared/services", service("guarded", address));
    expect(reg.status).toBe(201);
    const masked = `http://ops:***@127.0.0.1:${port}/ok?token=***`;
    expect(reg.body).toMatchObject({ address: masked });
    const list = await f.client.get("/declared/services");
    expect(list.body).toContainEqual(expect.objectContaining({ name: "guarded", address: masked }));
    expect((await f.client.get("/declared/services/guarded")).body).toMatchObject({ address: masked });
    const flow = await f.client.post("/declared/flows", {
      name: "g",
      inputs: [{ name: "message", type: "string" }],
      services: ["guarded"],
    });
    expect(flow.status).toBe(201);
    const res = await f.client.post("/declared/flows/g/events", { data: { message: "hi" } });
    expect(res.body).toMatchObject({ status: "completed" });
    expect(received[0]?.auth).toBe(`Basic ${Buffer.from("ops:s3cret-pass").toString("base64")}`);
    const run = await f.client.get(`/flows/runs/${(res.body as { eventId: string }).eventId}`);
    expect(JSON.stringify(run.body)).toContain(masked);

    // An unreachable address: the run's error and the log.
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, "127.0.0.1", r));
    const gone = (free.address() as AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    const down = await runThrough(f, "down", `http://ops:s3cret-pass@127.0.0.1:${gone}/x`);
    expect(down.body).toMatchObject({
      status: "failed",
      error: { message: `service down is unreachable at http://ops:***@127.0.0.1:${gone}/x` },
    });
    for (const shown of [reg, list, run, down])
      expect(JSON.stringify(shown.body)).not.toMatch(/s3cret-(pass|token)/);
    expect(f.logs.join("\n")).not.toMatch(/s3cret-(pass|token)/);
  });
});
