// Found by the gateway fuzz (issue 19, test/e2e/gateway-fuzz.e2e.test.ts): a client still sending a
// body the node did not read (a GET with a body, a 404, a 415, a body over the limit: 413) lost the
// answer: the node closed the connection at once, the kernel reset it on the bytes still coming,
// and the reset threw away the answer the client had not read yet ("aborted", ECONNRESET). Now the
// connection closes as web servers close it (lingering): the node ends its side and reads and drops
// what still comes, until the client closes or 2 s pass.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryTransport } from "../../../src/adapters/memory/index.js";
import { createNode, entry, type RunningServer, serve, service, silentLogger } from "../../../src/index.js";

const echo = service("echo", {
  entries: { say: entry({ input: z.object({ message: z.string() }) }, (input) => input) },
});

/**
 * Sends `head` and then `size` bytes of body in chunks over ~300 ms without reading anything, then
 * reads all that comes until the connection ends: what the client would have read at its own pace.
 */
function sendWithoutReading(
  port: number,
  head: string,
  size: number,
): Promise<{ text: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.pause();
    socket.on("error", (err: NodeJS.ErrnoException) => {
      error ??= err.code ?? err.message;
    });
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("close", () =>
      resolve({ text: Buffer.concat(chunks).toString("latin1"), ...(error === undefined ? {} : { error }) }),
    );
    socket.once("connect", async () => {
      socket.write(head);
      const chunk = Buffer.alloc(32 * 1024, "x");
      for (let sent = 0; sent < size && !socket.destroyed; sent += chunk.length) {
        socket.write(chunk.subarray(0, Math.min(chunk.length, size - sent)));
        await new Promise((r) => setTimeout(r, 10));
      }
      socket.resume();
    });
  });
}

describe("an answer given before the body is read reaches the client", () => {
  let server: RunningServer;
  beforeAll(async () => {
    const node = createNode({ services: [echo], transport: memoryTransport(), logger: silentLogger });
    server = await serve(node, { port: 0 });
  });
  afterAll(() => server?.close());

  it.each([
    ["GET /health with a body nobody reads", "GET /health", "application/json", 600_000, "HTTP/1.1 200"],
    ["a POST to no route", "POST /nope", "application/json", 600_000, "HTTP/1.1 404"],
    ["a body that is not JSON", "POST /echo/say", "text/plain", 600_000, "HTTP/1.1 415"],
    ["a body over the limit", "POST /echo/say", "application/json", 2_000_000, "HTTP/1.1 413"],
  ])("%s: the whole answer, not a reset connection", async (_, line, type, size, status) => {
    const head = `${line} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: ${size}\r\n\r\n`;
    const { text, error } = await sendWithoutReading(server.port, head, size);
    expect(text.startsWith(status), `${error ?? ""} ${JSON.stringify(text.slice(0, 200))}`).toBe(true);
    const [headers, body] = text.split("\r\n\r\n") as [string, string];
    expect(headers.toLowerCase()).toContain("connection: close");
    const length = Number(/content-length: (\d+)/i.exec(headers)?.[1]);
    expect(Buffer.byteLength(body, "latin1")).toBe(length);
  });
});
