import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { TesseraError } from "../../core/errors.js";
import type { EgressPolicy, ResolvedAddress } from "./egress-policy.js";

/** An answer to an outbound POST: its status, headers and body (never a redirect followed). */
export interface EgressAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

/** An outbound POST under an egress policy. */
export interface EgressRequest {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Largest answer read (default 10 MiB): past it the call fails. */
  readonly maxBytes?: number;
  /** What the call is, in a refusal's message (`service price`, `the callback`). */
  readonly what?: string;
}

const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

/** Keep-alive agents per policy: a kept socket was connected to an address the policy checked. */
const agents = new WeakMap<EgressPolicy, { http: http.Agent; https: https.Agent }>();

function agentsOf(policy: EgressPolicy): { http: http.Agent; https: https.Agent } {
  let a = agents.get(policy);
  if (a === undefined) {
    a = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
    agents.set(policy, a);
  }
  return a;
}

/** What `net` gives a lookup: one address, or every address with `all`. */
type LookupCallback = (err: unknown, address?: string | readonly ResolvedAddress[], family?: number) => void;

/**
 * The `lookup` of a connection: the policy resolves the name and checks every address, and the
 * socket connects to those checked addresses — there is no second resolution that a DNS rebinding
 * could answer differently. (An address written in the URL never reaches it: the policy checked it
 * in the URL.)
 */
function checkedLookup(policy: EgressPolicy, url: string): LookupFunction {
  return ((
    hostname: string,
    options: { family?: number | string; all?: boolean },
    callback: LookupCallback,
  ) => {
    policy.resolve(hostname, url).then(
      (list) => {
        const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family;
        const fit = family === 4 || family === 6 ? list.filter((a) => a.family === family) : list;
        if (fit.length === 0) {
          callback(
            Object.assign(new Error(`${hostname} has no IPv${family} address`), { code: "ENOTFOUND" }),
          );
        } else if (options.all === true) callback(null, fit);
        else callback(null, fit[0]!.address, fit[0]!.family);
      },
      (err: unknown) => callback(err),
    );
  }) as unknown as LookupFunction;
}

/**
 * POSTs `body` to `url` under the egress policy: the URL is checked (scheme, an address written in
 * it, metadata names), its host name resolved and every address checked at connection time, and
 * the socket connects to the checked address. A redirect is answered as it is (its status), never
 * followed. Rejects with the policy's `TESSERA_FORBIDDEN`, `TESSERA_TIMEOUT` past `timeoutMs`,
 * `TESSERA_PAYLOAD_TOO_LARGE` for an answer past `maxBytes`, else `TESSERA_UNAVAILABLE` (the
 * network's error as cause). Credentials in the URL (`user:pass@`) are sent as basic auth.
 *
 * @example
 * const answer = await egressPost(policy, { url: "https://prices.example/quote", body: "{}", headers: { "content-type": "application/json" }, timeoutMs: 5000 });
 */
export async function egressPost(policy: EgressPolicy, request: EgressRequest): Promise<EgressAnswer> {
  const target = policy.check(request.url, request.what);
  const client = target.protocol === "https:" ? https : http;
  const agent = target.protocol === "https:" ? agentsOf(policy).https : agentsOf(policy).http;
  const maxBytes = request.maxBytes ?? DEFAULT_MAX_BYTES;
  const timeout = AbortSignal.timeout(request.timeoutMs);
  return new Promise<EgressAnswer>((resolve, reject) => {
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      if (err instanceof TesseraError) reject(err);
      else if (timeout.aborted)
        reject(
          new TesseraError("TESSERA_TIMEOUT", `no answer within ${request.timeoutMs} ms`, { cause: err }),
        );
      else reject(new TesseraError("TESSERA_UNAVAILABLE", `unreachable (${describe(err)})`, { cause: err }));
    };
    const req = client.request(
      target,
      {
        method: "POST",
        headers: { ...request.headers, "content-length": String(Buffer.byteLength(request.body)) },
        agent,
        lookup: checkedLookup(policy, request.url),
        signal: timeout,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size <= maxBytes) chunks.push(chunk);
          else {
            fail(
              new TesseraError("TESSERA_PAYLOAD_TOO_LARGE", `the answer is larger than ${maxBytes} bytes`),
            );
            req.destroy();
          }
        });
        res.on("end", () => {
          if (settled) return;
          settled = true;
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString("utf8"),
          });
        });
        res.on("error", fail);
        res.on("close", () => {
          if (!res.complete) fail(new Error("the connection closed before the answer ended"));
        });
      },
    );
    req.on("error", fail);
    req.end(request.body);
  });
}

function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  return typeof e?.code === "string" ? e.code : String(e?.message ?? err);
}
