import { connect } from "node:net";

// A client as slow as an attacker: raw bytes on a socket, the first at once, then a byte (or a
// chunk) at a time. It measures when the server answered and when it closed the connection, and
// gives up after `capMs` (the server never closed it: what issue 19 found).

export interface SlowSend {
  /** Sent as soon as the socket connects (may be empty: a connection that says nothing). */
  readonly first: string;
  /** Sent every `everyMs` until the server closes, or nothing more when undefined. */
  readonly drip?: string;
  readonly everyMs?: number;
  /** Give up (and destroy the socket) after this long. */
  readonly capMs?: number;
}

export interface SlowOutcome {
  /** The status line's code of the server's answer, or undefined when it answered nothing. */
  readonly status: number | undefined;
  /** The answer's body (after the blank line), or "". */
  readonly body: string;
  /** ms from connecting until the server closed the connection (or `capMs` when it did not). */
  readonly closedAfter: number;
  /** False when the client gave up at `capMs`. */
  readonly closed: boolean;
}

/** The head of a POST with a JSON body of `length` bytes announced. */
export function postHead(path: string, length: number): string {
  return `POST ${path} HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;
}

/** Opens a connection to `port` and sends slowly, as `send` says. */
export function slowClient(port: number, send: SlowSend): Promise<SlowOutcome> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let t0 = Date.now();
    let data = "";
    let drip: NodeJS.Timeout | undefined;
    let closed = true;
    const cap = setTimeout(() => {
      closed = false;
      socket.destroy();
    }, send.capMs ?? 10_000);
    socket.on("connect", () => {
      t0 = Date.now();
      if (send.first !== "") socket.write(send.first);
      if (send.drip !== undefined) {
        const chunk = send.drip;
        drip = setInterval(() => socket.writable && socket.write(chunk), send.everyMs ?? 1000);
      }
    });
    socket.setEncoding("utf8").on("data", (d: string) => {
      data += d;
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      const closedAfter = Date.now() - t0;
      clearInterval(drip);
      clearTimeout(cap);
      const status = /^HTTP\/1\.1 (\d{3})/.exec(data)?.[1];
      const split = data.indexOf("\r\n\r\n");
      resolve({
        status: status === undefined ? undefined : Number(status),
        body: split === -1 ? "" : data.slice(split + 4),
        closedAfter,
        closed,
      });
    });
  });
}
