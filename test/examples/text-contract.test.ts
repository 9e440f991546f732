import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipeline, text } from "../../examples/text/services.js";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import { createGateway, createNode, type RunningServer, serve, silentLogger } from "../../src/index.js";
import { testClient } from "../../src/testing/index.js";

// The contract of the example system (issue 2), checked in-process and over a real socket.

const json = { "content-type": "application/json" };

describe("example system: in-process test client", () => {
  const node = createNode({ services: [text, pipeline], transport: memoryTransport(), logger: silentLogger });
  const client = testClient(createGateway(node));
  beforeAll(() => node.start());
  afterAll(() => node.stop());

  it.each([
    ["/text/upper", { message: "HELLO WORLD" }],
    ["/text/reverse", { message: "dlrow olleh" }],
    ["/text/spaces", { count: 1 }],
    ["/pipeline/process", { message: "DLROW OLLEH", count: 1 }],
  ])("POST %s", async (url, expected) => {
    const res = await client.post(url, { message: "hello world" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expected);
  });

  it.each([[{}], [{ message: 5 }]])("POST /text/upper with %j → 400 naming message", async (body) => {
    const res = await client.post("/text/upper", body);
    expect(res.status).toBe(400);
    const error = (res.body as { error: { code: string; details: { issues: { path: string }[] } } }).error;
    expect(error.code).toBe("TESSERA_VALIDATION");
    expect(error.details.issues.map((i) => i.path)).toEqual(["message"]);
  });

  it("PUT /text/upper → 405 with Allow", async () => {
    const res = await client.put("/text/upper", { message: "x" });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("OPTIONS, POST");
  });

  it("GET /nope → 404", async () => {
    const res = await client.get("/nope");
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: { code: "TESSERA_NOT_FOUND", message: "no route GET /nope" } });
  });

  it("a text/plain body → 415", async () => {
    const res = await client.post("/text/upper", undefined, {
      raw: "hello",
      headers: { "content-type": "text/plain" },
    });
    expect(res.status).toBe(415);
    expect(res.body).toMatchObject({ error: { code: "TESSERA_UNSUPPORTED_MEDIA_TYPE" } });
  });

  it("a 2 MiB body → 413", async () => {
    const big = JSON.stringify({ message: "a".repeat(2 * 1024 * 1024) });
    const res = await client.post("/text/upper", undefined, { raw: big, headers: json });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: "TESSERA_PAYLOAD_TOO_LARGE" } });
  });
});

describe("example system: over HTTP", () => {
  let server: RunningServer;
  beforeAll(async () => {
    const node = createNode({
      services: [text, pipeline],
      transport: memoryTransport(),
      logger: silentLogger,
    });
    server = await serve(node, { port: 0 });
  });
  afterAll(() => server.close());

  const post = (path: string, body: string, headers: Record<string, string> = json) =>
    fetch(`${server.url}${path}`, { method: "POST", headers, body });

  it("POST /pipeline/process composes the text entries", async () => {
    const res = await post("/pipeline/process", '{"message":"hello world"}');
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("x-request-id")).toMatch(/\S+/);
    expect(await res.json()).toEqual({ message: "DLROW OLLEH", count: 1 });
  });

  it("POST /text/upper with {} → 400 naming message", async () => {
    const res = await post("/text/upper", "{}");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { details: { issues: { path: string }[] } } };
    expect(body.error.details.issues[0]?.path).toBe("message");
  });

  it("PUT → 405 with Allow, unknown route → 404, text/plain → 415", async () => {
    const put = await fetch(`${server.url}/text/upper`, { method: "PUT", headers: json, body: "{}" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("OPTIONS, POST");
    expect(await put.json()).toMatchObject({ error: { code: "TESSERA_METHOD_NOT_ALLOWED" } });
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    const plain = await post("/text/upper", "hello", { "content-type": "text/plain" });
    expect(plain.status).toBe(415);
    expect(await plain.json()).toMatchObject({ error: { code: "TESSERA_UNSUPPORTED_MEDIA_TYPE" } });
  });

  it("a 2 MiB body → 413 and the server keeps serving", async () => {
    const res = await post("/text/upper", JSON.stringify({ message: "a".repeat(2 * 1024 * 1024) }));
    expect(res.status).toBe(413);
    expect((await post("/text/upper", '{"message":"ok"}')).status).toBe(200);
  });
});
