// Reference: bare node:http. GET answers the small JSON; POST parses the body with JSON.parse and does
// no validation (it is the ceiling, not a peer doing the same work).
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { announceServer } from "../lib/peer-process.js";
import { HELLO_PATH, hello, USER_PATH, type User, userReply } from "../lib/workload.js";

function sendJson(res: ServerResponse, status: number, body: string): void {
  res
    .writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(body),
    })
    .end(body);
}

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === HELLO_PATH) {
    sendJson(res, 200, JSON.stringify(hello));
    return;
  }
  if (req.method === "POST" && req.url === USER_PATH) {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      try {
        const user = JSON.parse(Buffer.concat(chunks).toString("utf8")) as User;
        sendJson(res, 200, JSON.stringify(userReply(user)));
      } catch {
        sendJson(res, 400, '{"error":"malformed JSON"}');
      }
    });
    return;
  }
  res.writeHead(404).end();
});

server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  announceServer(`http://127.0.0.1:${port}`, () => new Promise((resolve) => server.close(resolve)));
});
