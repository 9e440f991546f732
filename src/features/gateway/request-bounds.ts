import type { IncomingMessage, Server, ServerOptions, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { TesseraError } from "../../core/errors.js";
import { newRequestId } from "../../core/ids.js";
import type { Logger } from "../../core/logger.js";
import { JSON_TYPE } from "./answers.js";
import type { GatewayResponse } from "./gateway-response.js";

// How long a client may take to send its request, on every HTTP server of the framework (a node's
// `serve`, a gateway node, `tesserae dev`'s port). A body sent one byte a second used to hold its
// connection for Node's own 300 s, and slow headers for 60 s (issue 19, finding 2):
// - the headers within 10 s, or the request's deadline when shorter (Node's `headersTimeout`);
// - the whole request within its deadline (`requestTimeout`, 30 s by default), counted from its
//   headers: past it the answer is 408 and the connection closes (Node's own `requestTimeout`, half
//   a second later, is the backstop for a request nobody is reading);
// - a body at 1 KiB a second at least, on average, once it has been arriving for 3 s;
// - a response the client stops reading: the connection closes once it has not moved for 1 to 2 s
//   (Node's socket timeout lets a write in progress run one more period);
// - at most `maxConnections` connections (10 000 by default), the next ones closed at once.

/** Headers must arrive within this (or the request's deadline, when shorter). */
export const HEADERS_MS = 10_000;
/** The least a body must average, in bytes a second… */
export const MIN_BODY_RATE = 1024;
/** …once it has been arriving for this long. */
export const RATE_GRACE_MS = 3000;
/** The default cap on open connections. */
export const MAX_CONNECTIONS = 10_000;
/** Reading a request stays bounded when calls have no deadline (`requestTimeout: 0`): Node's default. */
const UNBOUNDED_CALLS_READ_MS = 300_000;
/** How often Node looks for connections past their headers or request timeout (its default is 30 s). */
const CHECK_MS = 250;
/** Node's own request timeout, after ours: it answers a request whose body nobody is reading. */
const BACKSTOP_MS = 500;
/** How often the rate of a body is checked once it applies. */
const RATE_CHECK_MS = 500;
/** A response that does not move for this long (to twice as long) is dropped. */
const STALL_MS = 1000;

/**
 * The options to create a bounded server with: Node then checks its connections' timeouts every
 * 250 ms (by default every 30 s, which let a request outlive its timeout by as much).
 */
export const boundedServerOptions: ServerOptions = { connectionsCheckingInterval: CHECK_MS };

/** The settings the bounds come from: a gateway's `requestTimeout` and the server's `maxConnections`. */
export interface RequestLimits {
  /** The request's deadline in ms (default 30 000; 0: calls have none, reading stays bounded by 300 s). */
  readonly requestTimeout?: number | undefined;
  /** Open connections at most (default 10 000; 0 for no cap). */
  readonly maxConnections?: number | undefined;
}

/** The 408 error of a request that did not arrive in time. */
export function requestTimeoutError(message: string, details?: Record<string, number>): TesseraError {
  return new TesseraError("TESSERA_REQUEST_TIMEOUT", message, { details });
}

/** The JSON 408 answer of `err` (for servers that answer without a gateway: the clientError path, the dev proxy). */
export function requestTimeoutAnswer(
  err: TesseraError,
  requestId = newRequestId(),
): GatewayResponse & { readonly body: string } {
  const error: Record<string, unknown> = { code: err.code, message: err.message, requestId };
  if (err.details !== undefined) error.details = err.details;
  const body = JSON.stringify({ error });
  return {
    status: 408,
    headers: {
      "content-type": JSON_TYPE,
      "content-length": String(Buffer.byteLength(body)),
      "x-request-id": requestId,
      connection: "close",
    },
    body,
  };
}

/** The response a socket in error gets from Node when nobody handles `clientError` (Node's own). */
const nodeAnswers: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: "431 Request Header Fields Too Large",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "413 Payload Too Large",
};

/** A socket of a node:http server: its response in progress, when its request's headers were read. */
interface HttpSocket extends Duplex {
  readonly _httpMessage?: ServerResponse | null;
}

/** The servers whose `clientError` is answered here (once each, whatever the number of `apply`s). */
const answered = new WeakSet<Server>();

/**
 * The bounds on reading a request, from a gateway's settings: put them on a server with
 * {@link apply}, and watch each body being read with {@link watchBody}.
 *
 * @example
 * const bounds = new RequestBounds({ requestTimeout: 30_000 });
 * bounds.apply(server);
 */
export class RequestBounds {
  /** The whole request must have been read within this, from its headers. */
  readonly readMs: number;
  /** The headers must have arrived within this, from the first byte of the request. */
  readonly headersMs: number;
  readonly maxConnections: number;

  constructor(limits: RequestLimits = {}) {
    const timeout = limits.requestTimeout ?? 30_000;
    this.readMs = timeout > 0 ? timeout : UNBOUNDED_CALLS_READ_MS;
    this.headersMs = Math.min(HEADERS_MS, this.readMs);
    this.maxConnections = limits.maxConnections ?? MAX_CONNECTIONS;
  }

  /**
   * Sets Node's timeouts and cap on `server` (created with {@link boundedServerOptions}), before it
   * listens, and again on a change of settings.
   */
  apply(server: Server): void {
    server.headersTimeout = this.headersMs;
    server.requestTimeout = this.readMs + BACKSTOP_MS;
    // 0 is Node's "no cap".
    server.maxConnections = this.maxConnections;
    if (answered.has(server)) return;
    answered.add(server);
    server.on("clientError", (err: NodeJS.ErrnoException, socket: HttpSocket) => this.answer(err, socket));
  }

  /**
   * Watches a body being read from `req`, whose headers came at `receivedAt`: calls `cut` once
   * (and stops) when the request's deadline passes or the body falls below the minimum rate before
   * it ends. Returns the function that stops watching (call it when the body ends or fails).
   */
  watchBody(req: IncomingMessage, receivedAt: number, cut: (err: TesseraError) => void): () => void {
    const start = Date.now();
    const deadline = receivedAt + this.readMs;
    let received = 0;
    let timer: NodeJS.Timeout | undefined;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
    };
    const stop = () => {
      clearTimeout(timer);
      req.off("data", onData);
    };
    const check = () => {
      const now = Date.now();
      const elapsed = now - start;
      if (now >= deadline) {
        stop();
        cut(
          requestTimeoutError(`the request was not received within its deadline of ${this.readMs} ms`, {
            deadlineMs: this.readMs,
            received,
          }),
        );
        return;
      }
      if (elapsed >= RATE_GRACE_MS && received * 1000 < MIN_BODY_RATE * elapsed) {
        stop();
        cut(
          requestTimeoutError(
            `the body arrives slower than ${MIN_BODY_RATE} bytes a second (${received} bytes in ${elapsed} ms)`,
            { received, elapsedMs: elapsed, minRate: MIN_BODY_RATE },
          ),
        );
        return;
      }
      const next = elapsed < RATE_GRACE_MS ? start + RATE_GRACE_MS : now + RATE_CHECK_MS;
      timer = setTimeout(check, Math.min(deadline, next) - now);
    };
    req.on("data", onData);
    // Not at once: a body already in (read late, after a slow authorizer) ends before the first check.
    timer = setTimeout(check, Math.max(0, Math.min(deadline, start + RATE_GRACE_MS) - start));
    return stop;
  }

  /**
   * A client error of `socket`: Node's request timeouts (slow headers, or a body nobody reads) are
   * answered with the JSON 408, the others as Node answers them; the socket is then destroyed.
   */
  private answer(err: NodeJS.ErrnoException, socket: HttpSocket): void {
    const pending = socket._httpMessage;
    if (err.code !== "ECONNRESET" && socket.writable && (pending == null || !pending.headersSent)) {
      if (err.code === "ERR_HTTP_REQUEST_TIMEOUT") {
        const message =
          pending == null
            ? `the request's headers did not arrive within ${this.headersMs} ms`
            : `the request was not received within its deadline of ${this.readMs} ms`;
        const r = requestTimeoutAnswer(requestTimeoutError(message));
        const head = Object.entries(r.headers).map(([k, v]) => `${k}: ${v}\r\n`);
        socket.write(`HTTP/1.1 408 Request Timeout\r\n${head.join("")}\r\n${r.body}`);
      } else {
        const status = nodeAnswers[err.code ?? ""] ?? "400 Bad Request";
        socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`);
      }
    }
    socket.destroy();
  }
}

/**
 * Connections closed at once because `maxConnections` were open: a warning at the first, then at
 * most one a minute with the number refused since the last (a flood of them is one line a minute).
 */
export class RefusedConnections {
  private count = 0;
  private last = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: Logger,
    private readonly max: number,
  ) {}

  add(): void {
    this.count++;
    const now = Date.now();
    if (now - this.last < 60_000) return;
    this.logger.warn(`connections refused: ${this.max} are open (maxConnections)`, { refused: this.count });
    this.count = 0;
    this.last = now;
  }
}

/**
 * Called once a response is written: when the client does not take it all at once, its connection
 * closes if the rest stops moving (a client that reads nothing, or stops reading). Node then sets
 * its keep-alive timeout as usual once the response is out.
 */
export function dropIfStalled(res: ServerResponse): void {
  const socket = res.socket;
  if (socket !== null && socket.writableLength > 0) socket.setTimeout(STALL_MS);
}
