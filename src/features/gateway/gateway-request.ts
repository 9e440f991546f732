import type { Identity } from "../../core/identity.js";

/** A request as the gateway sees it, whatever carried it (node:http, a test, a Lambda event). */
export interface GatewayRequest {
  readonly method: string;
  /** Path and query string, e.g. `/text/upper?x=1`. */
  readonly url: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The whole body, when the carrier already has it. */
  readonly body?: string | Uint8Array | undefined;
  /**
   * Streams the body in, failing with `TESSERA_PAYLOAD_TOO_LARGE` past `limit` bytes. Called only
   * once routing, auth and the content type have passed.
   */
  readBody?(limit: number): Promise<Uint8Array>;
  /**
   * Epoch ms when the request came (its headers), when the carrier knows: the request's deadline
   * counts from there, so that the time its body took to arrive is part of it.
   */
  readonly receivedAt?: number;
  /** Aborted when the client goes away (built on demand). */
  signal?(): AbortSignal | undefined;
  /**
   * The verdict of an authorizer the carrier already ran for this request (an API Gateway Lambda
   * authorizer): the gateway does not run the route's authorizer again.
   */
  readonly authorized?: Identity | true | undefined;
}

/**
 * A header's first value (names are lower-case).
 *
 * @example
 * const origin = headerOf(req, "origin");
 */
export function headerOf(req: GatewayRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === "string" ? v : v?.[0];
}
