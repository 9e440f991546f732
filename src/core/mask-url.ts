/** Schemes whose lone user part (`nats://secret@host`) is a token, hence a secret. */
const tokenSchemes = new Set(["nats:", "tls:", "ws:", "wss:"]);

/**
 * Query parameters that carry secrets: any whose name holds one of these words, case-insensitive
 * (`access_token`, `api_key`, `apikey`, `client_secret`, `sig`, `X-Amz-Signature`, `auth`, `key`,
 * `credentials`, `private_key`, `session`, `password`, `pwd`, `nkey`, `seed`…). Broad on purpose:
 * a parameter masked for nothing costs less than a secret printed (exact names let many through).
 */
const secretParams =
  /([?&][^=&#]*(?:token|secret|pass|pwd|key|sig|auth|credential|session|nkey|seed)[^=&#]*=)[^&#]*/gi;

function maskOne(url: string): string {
  const m = /^(\s*[a-z][a-z0-9+.-]*:)(\/\/)([^@/?#]*)@/i.exec(url);
  let out = url;
  if (m !== null) {
    const [whole, scheme, slashes, userinfo] = m as unknown as [string, string, string, string];
    const colon = userinfo.indexOf(":");
    const masked =
      colon >= 0
        ? `${userinfo.slice(0, colon)}:***`
        : tokenSchemes.has(scheme.trim().toLowerCase())
          ? "***"
          : userinfo;
    out = `${scheme}${slashes}${masked}@${url.slice(whole.length)}`;
  }
  return out.replace(secretParams, "$1***");
}

/**
 * A URL (or a comma-separated list of URLs) safe to print: a password (`user:***@`), a NATS token
 * (`nats://***@host`) and secret query parameters (`?password=***`) are masked. Every place that
 * prints a transport or store URL (start banner, `tesserae config`, connection errors, logs) goes
 * through it, so that no secret reaches a terminal or a log (issue 15, item 6).
 *
 * @example
 * maskUrl("nats://app:s3cret@nats-1:4222,nats://app:s3cret@nats-2:4222")
 * // "nats://app:***@nats-1:4222,nats://app:***@nats-2:4222"
 */
export function maskUrl(url: string): string {
  return url
    .split(",")
    .map((part) => maskOne(part))
    .join(",");
}

const urlLike = /^\s*[a-z][a-z0-9+.-]*:\/\//i;

/**
 * A JSON value with every URL in it masked as {@link maskUrl} does (strings that start with a
 * scheme and `//`; other strings, numbers and keys as they are): what views of stored internals
 * (a run's journal, a registry) show, so that an address's credentials never reach a caller.
 *
 * @example
 * maskUrlsIn({ services: { pay: { address: "https://u:p@pay.example/x" } } })
 * // { services: { pay: { address: "https://u:***@pay.example/x" } } }
 */
export function maskUrlsIn(value: unknown): unknown {
  if (typeof value === "string") return urlLike.test(value) ? maskUrl(value) : value;
  if (Array.isArray(value)) return value.map(maskUrlsIn);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // Own data properties only; defineProperty so that a "__proto__" key stays a key.
    Object.defineProperty(out, k, {
      value: maskUrlsIn(v),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
