import { Agent, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { TesseraError } from "../../core/errors.js";
import { dropIfStalled, RequestBounds, requestTimeoutAnswer } from "../../features/gateway/request-bounds.js";

/** A worker the proxy can send requests to, with its requests in flight. */
export class Upstream {
  readonly agent = new Agent({ keepAlive: true });
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(
    readonly host: string,
    readonly port: number,
    /** The bounds of the worker's settings (its `requestTimeout`, `maxConnections`), kept by the proxy too. */
    readonly bounds = new RequestBounds(),
  ) {}

  begin(): void {
    this.inFlight++;
  }

  end(): void {
    this.inFlight--;
    if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  /** Resolves once no request is in flight to this worker. */
  drained(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }
}

const hopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "expect",
]);

function strip(headers: IncomingMessage["headers"]): IncomingMessage["headers"] {
  const out: IncomingMessage["headers"] = {};
  for (const [name, value] of Object.entries(headers)) if (!hopByHop.has(name)) out[name] = value;
  return out;
}

/** A request cut off by its bounds: the JSON 408, and the connection closes. */
function tooSlow(res: ServerResponse, err: TesseraError): void {
  const r = requestTimeoutAnswer(err, "dev");
  res.writeHead(r.status, r.headers);
  res.end(r.body);
}

function unavailable(res: ServerResponse, message: string): void {
  const body = JSON.stringify({ error: { code: "TESSERA_UNAVAILABLE", message, requestId: "dev" } });
  res.writeHead(503, { "content-type": "application/json; charset=utf-8", "retry-after": "1" });
  res.end(body);
}

/**
 * Forwards each request to the current worker. Swapping the worker sends the next requests to the
 * new one while the old one finishes its own: the port stays, and no request is lost.
 */
export class DevProxy {
  private current: Upstream | undefined;
  /** Why there is no worker to serve (the last start failed). */
  private reason = "the project is starting";

  /** Makes `next` the worker of new requests; returns the previous one. */
  swap(next: Upstream): Upstream | undefined {
    const previous = this.current;
    this.current = next;
    return previous;
  }

  /** With no worker, requests get a 503 telling why. */
  unavailable(reason: string): void {
    this.reason = reason;
  }

  get upstream(): Upstream | undefined {
    return this.current;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const receivedAt = Date.now();
    const up = this.current;
    if (up === undefined) {
      req.resume();
      unavailable(res, this.reason);
      return;
    }
    up.begin();
    let ended = false;
    const end = () => {
      if (!ended) {
        ended = true;
        up.end();
      }
    };
    const forward = request(
      {
        host: up.host,
        port: up.port,
        method: req.method,
        path: req.url,
        headers: strip(req.headers),
        agent: up.agent,
      },
      (answer) => {
        // Answered meanwhile (cut off by the bounds): the worker's answer has nowhere to go.
        if (res.headersSent) {
          answer.resume();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, strip(answer.headers));
        answer.pipe(res);
        answer.once("end", () => {
          end();
          dropIfStalled(res);
        });
        answer.once("error", () => {
          res.destroy();
          end();
        });
      },
    );
    forward.once("error", (err) => {
      if (!res.headersSent) unavailable(res, `the worker failed: ${err.message}`);
      else if (!res.writableEnded) res.destroy();
      end();
    });
    // A body past the request's deadline or below the minimum rate: 408 here, as the worker would.
    const stop = up.bounds.watchBody(req, receivedAt, (err) => {
      if (res.headersSent) res.destroy();
      else tooSlow(res, err);
      forward.destroy();
      end();
    });
    req.once("end", stop);
    // A client that goes away aborts the forwarded request, so that the worker sees it too.
    res.once("close", () => {
      stop();
      if (!res.writableFinished) forward.destroy();
      end();
    });
    req.pipe(forward);
  }
}
