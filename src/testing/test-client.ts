import type { Gateway } from "../features/gateway/gateway.js";
import type { GatewayResponse } from "../features/gateway/gateway-response.js";

/** A response of the test client, with its body parsed. */
export interface TestResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body text (`""` when there is none). */
  readonly text: string;
  /** The parsed JSON body (`undefined` when there is none). */
  readonly body: unknown;
  /** The body as sent, when the handler returned bytes (`text` is then their UTF-8 reading). */
  readonly bytes?: Uint8Array;
}

export interface TestRequestOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** A raw body (sent as is); otherwise `json` is serialised with `content-type: application/json`. */
  readonly raw?: string | Uint8Array;
}

/** Calls a gateway in-process, without a socket: same routing, auth, validation and errors as over HTTP. */
export interface TestClient {
  request(method: string, url: string, json?: unknown, options?: TestRequestOptions): Promise<TestResponse>;
  get(url: string, options?: TestRequestOptions): Promise<TestResponse>;
  post(url: string, json?: unknown, options?: TestRequestOptions): Promise<TestResponse>;
  put(url: string, json?: unknown, options?: TestRequestOptions): Promise<TestResponse>;
  patch(url: string, json?: unknown, options?: TestRequestOptions): Promise<TestResponse>;
  delete(url: string, options?: TestRequestOptions): Promise<TestResponse>;
}

function toTestResponse(r: GatewayResponse): TestResponse {
  if (r.body instanceof Uint8Array) {
    const text = Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength).toString("utf8");
    return { status: r.status, headers: r.headers, text, body: undefined, bytes: r.body };
  }
  const text = r.body ?? "";
  const isJson = r.headers["content-type"]?.startsWith("application/json") ?? false;
  return {
    status: r.status,
    headers: r.headers,
    text,
    body: isJson && text !== "" ? JSON.parse(text) : undefined,
  };
}

/**
 * A test client over a gateway.
 *
 * @example
 * const client = testClient(createGateway(node));
 * const res = await client.post("/text/upper", { message: "hi" });
 * expect(res.status).toBe(200);
 */
export function testClient(gateway: Gateway): TestClient {
  const request = async (method: string, url: string, json?: unknown, options: TestRequestOptions = {}) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
    let body: string | Uint8Array | undefined = options.raw;
    if (body === undefined && json !== undefined) {
      body = JSON.stringify(json);
      headers["content-type"] ??= "application/json";
    }
    return toTestResponse(await gateway.handle({ method: method.toUpperCase(), url, headers, body }));
  };
  return {
    request,
    get: (url, options) => request("GET", url, undefined, options),
    post: (url, json, options) => request("POST", url, json, options),
    put: (url, json, options) => request("PUT", url, json, options),
    patch: (url, json, options) => request("PATCH", url, json, options),
    delete: (url, options) => request("DELETE", url, undefined, options),
  };
}
