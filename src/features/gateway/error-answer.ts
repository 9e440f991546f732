import { TesseraError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { JSON_TYPE } from "./answers.js";
import type { GatewayRequest } from "./gateway-request.js";
import type { GatewayResponse } from "./gateway-response.js";
import { httpStatusOf } from "./http-status.js";

/**
 * The JSON error answer to anything thrown while serving `req`: `{ error: { code, message,
 * requestId, details } }` with the status of its code, the CORS headers `extra`, and `allow`,
 * `www-authenticate` or `retry-after` where the status calls for them. A failure that is not a
 * TesseraError is logged and answered as `TESSERA_INTERNAL`, without details.
 *
 * @example
 * return errorAnswer(err, requestId, req, extra, node.logger);
 */
export function errorAnswer(
  err: unknown,
  requestId: string,
  req: GatewayRequest,
  extra: Record<string, string> | undefined,
  logger: Logger,
): GatewayResponse {
  let e: TesseraError;
  if (err instanceof URIError) e = TesseraError.badRequest("malformed percent-encoding in the path");
  else e = TesseraError.from(err);
  const status = httpStatusOf[e.code];
  const headers: Record<string, string> = {
    ...extra,
    "x-request-id": requestId,
    "content-type": JSON_TYPE,
  };
  // Handler failures were logged by the serve pipeline; only the gateway's own are new here.
  if (!(err instanceof TesseraError) && !(err instanceof URIError)) {
    logger.error("gateway failure", { requestId, method: req.method, url: req.url, err });
  }
  if (e.code === "TESSERA_METHOD_NOT_ALLOWED")
    headers.allow = ((e.details as { allow?: string[] })?.allow ?? []).join(", ");
  if (e.code === "TESSERA_UNAUTHORIZED") headers["www-authenticate"] = "Bearer";
  if (status === 503) headers["retry-after"] = "1";
  const body: Record<string, unknown> = { code: e.code, message: e.message, requestId };
  if (e.details !== undefined && e.code !== "TESSERA_INTERNAL") body.details = e.details;
  return { status, headers, body: JSON.stringify({ error: body }) };
}
