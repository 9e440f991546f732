import { TesseraError } from "../../core/errors.js";
import type { TesseraNode } from "../../core/node.js";
import { JSON_TYPE } from "./answers.js";
import type { GatewayResponse } from "./gateway-response.js";

const paths: ReadonlySet<string> = new Set(["/health", "/ready", "/registry", "/openapi.json"]);

/**
 * What every node serves besides its routes: `/health`, `/ready` (503 until the transport and every
 * store are ready), `/registry` (the node's topology) and `/openapi.json`. Their paths are reserved:
 * a route on one of them is a definition mistake.
 *
 * @example
 * const builtins = new BuiltinEndpoints(node, () => openApiDocument(node.routes, info, isSecured));
 * if (builtins.has(path)) return builtins.answer(method, path, requestId, undefined);
 */
export class BuiltinEndpoints {
  private openapiText: string | undefined;

  constructor(
    private readonly node: TesseraNode,
    private readonly openapi: () => Record<string, unknown>,
  ) {
    for (const r of node.routes) {
      if (paths.has(r.path)) {
        throw new TesseraError(
          "TESSERA_DEFINITION",
          `${r.entry.id}: route ${r.path} is reserved by the gateway`,
          { details: { name: r.entry.id } },
        );
      }
    }
  }

  has(path: string): boolean {
    return paths.has(path);
  }

  /** The answer on one of their paths, with the CORS headers `extra`; only GET and HEAD are allowed. */
  answer(
    method: string,
    path: string,
    requestId: string,
    extra: Record<string, string> | undefined,
  ): GatewayResponse | Promise<GatewayResponse> {
    if (method !== "GET" && method !== "HEAD") {
      throw new TesseraError("TESSERA_METHOD_NOT_ALLOWED", `${method} is not allowed on ${path}`, {
        details: { allow: ["GET", "HEAD"] },
      });
    }
    const headers = { ...extra, "x-request-id": requestId, "content-type": JSON_TYPE };
    if (path === "/health") return { status: 200, headers, body: '{"status":"ok"}' };
    if (path === "/ready") {
      // The stores are pinged (bounded, the outcome reused for a second): a node whose database
      // does not answer is not ready, and says which store.
      return this.node.checkReadiness().then((r) => ({
        status: r.ready ? 200 : 503,
        headers,
        body: JSON.stringify(r),
      }));
    }
    if (path === "/registry") return { status: 200, headers, body: JSON.stringify(this.node.topology()) };
    // The routes never change once the gateway exists: the document is built on first demand, once.
    this.openapiText ??= JSON.stringify(this.openapi());
    return { status: 200, headers, body: this.openapiText };
  }
}
