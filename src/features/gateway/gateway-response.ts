/**
 * The gateway's answer to one request, for the carrier to send (node:http, a test, a Lambda result).
 *
 * @example
 * const res: GatewayResponse = { status: 204, headers: { "x-request-id": id }, body: undefined };
 */
export interface GatewayResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Text (JSON), or bytes when the handler returned a `Uint8Array`. */
  readonly body: string | Uint8Array | undefined;
}
