import { TesseraError } from "../../core/errors.js";

/**
 * Cross-origin settings of the gateway. Off unless configured.
 *
 * @example
 * serve(node, { cors: { origin: ["https://app.example.com"], credentials: true } });
 */
export interface CorsOptions {
  /** `true` for any origin, a list of exact origins, or a predicate. */
  readonly origin: true | string | readonly string[] | ((origin: string) => boolean);
  readonly credentials?: boolean;
  /** Request headers allowed in preflight (default: what the browser asks for). */
  readonly allowHeaders?: readonly string[];
  /** Response headers the browser may read (default `x-request-id`). */
  readonly exposeHeaders?: readonly string[];
  /** Preflight cache in seconds (default 600). */
  readonly maxAge?: number;
}

function badOption(name: string, message: string): TesseraError {
  return new TesseraError("TESSERA_DEFINITION", message, { details: { name } });
}

/**
 * Computes CORS response headers.
 *
 * @example
 * const cors = new Cors({ origin: ["https://app.example.com"] });
 * cors.headers("https://app.example.com"); // { "access-control-allow-origin": "https://app.example.com", … }
 */
export class Cors {
  /** Refuses, at creation, the options that would make every request fail with a TypeError. */
  constructor(private readonly options: CorsOptions) {
    const o: unknown = options.origin;
    if (!(o === true || typeof o === "string" || typeof o === "function" || Array.isArray(o)))
      throw badOption("cors.origin", "cors.origin must be true, an origin, a list of origins or a predicate");
    for (const name of ["allowHeaders", "exposeHeaders"] as const) {
      if (options[name] !== undefined && !Array.isArray(options[name]))
        throw badOption(`cors.${name}`, `cors.${name} must be a list of header names`);
    }
  }

  private allowed(origin: string): boolean {
    const o = this.options.origin;
    if (o === true) return true;
    if (typeof o === "string") return o === origin;
    if (typeof o === "function") return o(origin);
    return o.includes(origin);
  }

  /** Headers for an actual request from `origin`, or undefined when that origin is not allowed. */
  headers(origin: string | undefined): Record<string, string> | undefined {
    if (origin === undefined || !this.allowed(origin)) return undefined;
    const h: Record<string, string> = {
      "access-control-allow-origin": this.options.origin === true && !this.options.credentials ? "*" : origin,
      "access-control-expose-headers": (this.options.exposeHeaders ?? ["x-request-id"]).join(", "),
      vary: "Origin",
    };
    if (this.options.credentials) h["access-control-allow-credentials"] = "true";
    return h;
  }

  /** Headers answering a preflight for the verbs `allow`. */
  preflight(
    origin: string | undefined,
    allow: readonly string[],
    requested: string | undefined,
  ): Record<string, string> | undefined {
    const h = this.headers(origin);
    if (h === undefined) return undefined;
    h["access-control-allow-methods"] = allow.join(", ");
    const headers = this.options.allowHeaders?.join(", ") ?? requested;
    if (headers) h["access-control-allow-headers"] = headers;
    h["access-control-max-age"] = String(this.options.maxAge ?? 600);
    return h;
  }
}
