import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryTransport } from "../../../src/adapters/memory/index.js";
import { createNode, entry, reply, serve, service, silentLogger } from "../../../src/index.js";
import { gatewayFor } from "./fixtures.js";

const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0xfe]);

const files = service("files", {
  entries: {
    getRaw: entry(() => bytes),
    getImage: entry(() =>
      reply(bytes, { headers: { "content-type": "image/png", "cache-control": "max-age=60" } }),
    ),
    getJson: entry({ input: z.object({}) }, () =>
      reply({ ok: true }, { headers: { "content-type": "text/plain" } }),
    ),
  },
});

describe("binary answers", () => {
  const g = gatewayFor([files]);

  it("a Uint8Array result is sent as bytes, application/octet-stream", async () => {
    const r = await g.gateway.handle({ method: "GET", url: "/files/raw", headers: {} });
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/octet-stream");
    expect(r.body).toEqual(bytes);
    const res = await g.client.get("/files/raw");
    expect(res.bytes).toEqual(bytes);
    expect(res.body).toBeUndefined();
  });

  it("a reply with bytes keeps its content type and headers; a JSON reply is always JSON", async () => {
    const image = await g.gateway.handle({ method: "GET", url: "/files/image", headers: {} });
    expect(image.headers["content-type"]).toBe("image/png");
    expect(image.headers["cache-control"]).toBe("max-age=60");
    expect(image.body).toEqual(bytes);
    const json = await g.client.get("/files/json");
    expect(json.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(json.body).toEqual({ ok: true });
  });

  const node = createNode({ services: [files], transport: memoryTransport(), logger: silentLogger });
  const running = serve(node, { port: 0 });
  afterAll(async () => (await running).close());

  it("serve writes the bytes with their length", async () => {
    const { url } = await running;
    const res = await fetch(`${url}/files/image`);
    expect(res.headers.get("content-length")).toBe(String(bytes.byteLength));
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });
});
