import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { TesseraError } from "../../core/errors.js";
import type { TesseraNode } from "../../core/node.js";
import { parseOptions } from "../definition-options.js";
import { createGateway, type Gateway, type GatewayOptions } from "./gateway.js";
import { serveOptionsSchema } from "./gateway-options-schema.js";
import type { GatewayRequest } from "./gateway-request.js";
import type { GatewayResponse } from "./gateway-response.js";
import { lingerOnClose } from "./lingering-close.js";
import { boundedServerOptions, dropIfStalled, RefusedConnections, RequestBounds } from "./request-bounds.js";

export interface ServeOptions extends GatewayOptions {
  /** Default 3000; 0 picks a free port. */
  readonly port?: number;
  /** Default `127.0.0.1`; `0.0.0.0` to listen on every interface. */
  readonly host?: string;
  /** How long a graceful shutdown waits for in-flight requests (default 10 000 ms). */
  readonly shutdownTimeout?: number;
  /** Open connections at most (default 10 000; 0 for no cap): the next ones are closed at once. */
  readonly maxConnections?: number;
  /** Close gracefully on SIGTERM/SIGINT, then exit (default false; the CLI and examples turn it on). */
  readonly handleSignals?: boolean;
}

/** A running HTTP server of a node. */
export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly gateway: Gateway;
  readonly server: Server;
  /** Stops accepting, drains in-flight requests (bounded), then stops the node and its transport. */
  close(): Promise<void>;
}

/** The options of `serve` that are the gateway's (the others are the server's own). */
export function gatewayOptionsOf(options: ServeOptions): GatewayOptions {
  const {
    port: _port,
    host: _host,
    shutdownTimeout: _wait,
    handleSignals: _signals,
    maxConnections: _connections,
    ...gateway
  } = options;
  return gateway;
}

/** The body of `req`, within `limit` bytes and the request's bounds (its deadline, the minimum rate). */
function readStream(
  req: IncomingMessage,
  limit: number,
  bounds: RequestBounds,
  receivedAt: number,
): Promise<Uint8Array> {
  // The client went away while the request waited (for its authorizer): nothing more will come.
  if (req.destroyed) return Promise.reject(TesseraError.badRequest("the request body could not be read"));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: TesseraError) => {
      stop();
      req.off("data", onData);
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        fail(
          new TesseraError("TESSERA_PAYLOAD_TOO_LARGE", `the body exceeds the limit of ${limit} bytes`, {
            details: { limit },
          }),
        );
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    const stop = bounds.watchBody(req, receivedAt, fail);
    // `on` rather than `once` (a wrapper per listener): a request ends or fails once, and a promise settles once.
    req.on("end", () => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    // A client that goes away mid-body makes the request emit an "aborted" error.
    req.on("error", (cause) =>
      fail(TesseraError.badRequest("the request body could not be read", { cause })),
    );
  });
}

/** A node:http request seen as a {@link GatewayRequest}: prototype methods, no closure per request. */
class IncomingRequest implements GatewayRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  /** When the headers came: the request's deadline counts from here. */
  readonly receivedAt = Date.now();
  /** False while a body the client announced is left unread (the connection must then close). */
  bodyRead: boolean;
  private controller: AbortController | undefined;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly expectsContinue: boolean,
    private readonly bounds: RequestBounds,
  ) {
    this.method = req.method ?? "GET";
    this.url = req.url ?? "/";
    this.headers = req.headers;
    const h = req.headers;
    this.bodyRead =
      (h["content-length"] === undefined || h["content-length"] === "0") &&
      h["transfer-encoding"] === undefined;
  }

  readBody(limit: number): Promise<Uint8Array> {
    this.bodyRead = true;
    // `Expect: 100-continue`: the client sends the body only now that routing, auth and checks passed.
    if (this.expectsContinue) this.res.writeContinue();
    return readStream(this.req, limit, this.bounds, this.receivedAt).catch((err: unknown) => {
      // Cut off, too large or broken: the rest of it must not be read as the next request.
      this.bodyRead = false;
      throw err;
    });
  }

  signal(): AbortSignal {
    if (this.controller === undefined) {
      const c = new AbortController();
      this.controller = c;
      if (this.res.destroyed || this.req.socket.destroyed) c.abort();
      else this.res.once("close", () => this.res.writableFinished || c.abort());
    }
    return this.controller.signal;
  }
}

function write(res: ServerResponse, r: GatewayResponse, close: boolean, unread = false): void {
  if (res.headersSent || res.destroyed) return;
  if (close) r.headers.connection = "close";
  // The client may still be sending the body: close without a reset that would lose the answer.
  if (unread && res.socket !== null) lingerOnClose(res.socket);
  if (r.body !== undefined) r.headers["content-length"] = String(Buffer.byteLength(r.body));
  res.writeHead(r.status, r.headers);
  res.end(r.body);
  dropIfStalled(res);
}

/**
 * Serves a node over HTTP (node:http, no framework in the hot path). Starts the node if needed.
 *
 * @example
 * const server = await serve(node, { port: 3000, handleSignals: true });
 * console.log(`listening on ${server.url}`);
 */
export async function serve(node: TesseraNode, options: ServeOptions = {}): Promise<RunningServer> {
  parseOptions("serve", serveOptionsSchema, options);
  const gateway = createGateway(node, gatewayOptionsOf(options));
  const bounds = new RequestBounds(options);
  if (node.status === "created") await node.start();
  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;

  const finish = (request: IncomingRequest, res: ServerResponse, r: GatewayResponse) => {
    // An unread or refused body must not be parsed as the next request: close the connection.
    const unread = !request.bodyRead || r.status === 413;
    write(res, r, closing || unread, unread);
    inFlight--;
    if (inFlight === 0 && drained) drained();
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse, expectsContinue = false) => {
    inFlight++;
    const request = new IncomingRequest(req, res, expectsContinue, bounds);
    const r = gateway.process(request);
    if (r instanceof Promise) r.then((response) => finish(request, res, response));
    else finish(request, res, r);
  };

  const server = createServer(boundedServerOptions, onRequest);
  server.on("checkContinue", (req: IncomingMessage, res: ServerResponse) => onRequest(req, res, true));
  bounds.apply(server);
  const refused = new RefusedConnections(node.logger, bounds.maxConnections);
  server.on("drop", () => refused.add());
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      const where = `${options.host ?? "127.0.0.1"}:${options.port ?? 3000}`;
      reject(
        err.code === "EADDRINUSE"
          ? new TesseraError(
              "TESSERA_CONFIG",
              `cannot listen on ${where}: the port is in use (choose another with PORT)`,
            )
          : new TesseraError("TESSERA_CONFIG", `cannot listen on ${where}: ${err.message}`, { cause: err }),
      );
    });
    server.listen(options.port ?? 3000, options.host ?? "127.0.0.1", resolve);
  }).catch(async (err: unknown) => {
    await node.stop();
    throw err;
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  node.logger.info("listening", { url, routes: node.routes.length });

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      node.logger.info("shutting down: no new connections, draining requests", { inFlight });
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          drained = resolve;
          timer = setTimeout(resolve, options.shutdownTimeout ?? 10_000);
        });
        clearTimeout(timer);
        if (inFlight > 0)
          node.logger.warn("shutdown timeout: closing connections with requests in flight", { inFlight });
      }
      server.closeAllConnections();
      await stopped;
      await node.stop();
    })();
    return closed;
  };

  if (options.handleSignals) {
    const onSignal = (signal: NodeJS.Signals) => {
      node.logger.info(`received ${signal}`);
      process.once(signal, () => process.exit(1));
      close().then(
        () => process.exit(0),
        (err: unknown) => {
          node.logger.error("shutdown failed", { err });
          process.exit(1);
        },
      );
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  }

  return { url, port: address.port, gateway, server, close };
}
