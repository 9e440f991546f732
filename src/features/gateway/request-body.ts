import { isUtf8 } from "node:buffer";
import { TesseraError } from "../../core/errors.js";
import { type GatewayRequest, headerOf } from "./gateway-request.js";
import { isJsonContentType, parseJsonBody } from "./json-body.js";

// Reading a request's body for the gateway: the size limit (announced, then counted), the content
// type, UTF-8 and JSON, whatever carried the request (a stream from node:http, a string or bytes).

/** The body parsed as JSON, or `undefined` when there is none. */
export async function readJsonBody(req: GatewayRequest, limit: number): Promise<unknown> {
  const declared = Number(headerOf(req, "content-length"));
  if (declared > limit) throw tooLarge(limit, declared);
  let body: string | Uint8Array | undefined = req.body;
  const streamed = body === undefined && req.readBody !== undefined;
  if (streamed && !(declared > 0) && headerOf(req, "transfer-encoding") === undefined) return undefined;
  if (body !== undefined && body.length === 0) return undefined;
  if (!isJsonContentType(headerOf(req, "content-type"))) {
    if (body === undefined && !streamed) return undefined;
    throw unsupportedType();
  }
  if (streamed) body = await req.readBody?.(limit);
  if (body === undefined || body.length === 0) return undefined;
  let text: string;
  if (typeof body === "string") {
    if (Buffer.byteLength(body) > limit) throw tooLarge(limit, Buffer.byteLength(body));
    text = body;
  } else {
    if (body.byteLength > limit) throw tooLarge(limit, body.byteLength);
    if (!isUtf8(body)) throw TesseraError.badRequest("the body is not valid UTF-8");
    text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  }
  return parseJsonBody(text);
}

/** The body as text with its content type, unparsed (for entries declared with `rawBody`). */
export async function readRawBody(
  req: GatewayRequest,
  limit: number,
): Promise<{ body?: string; contentType?: string }> {
  const declared = Number(headerOf(req, "content-length"));
  if (declared > limit) throw tooLarge(limit, declared);
  const contentType = headerOf(req, "content-type");
  let body: string | Uint8Array | undefined = req.body;
  if (
    body === undefined &&
    req.readBody !== undefined &&
    (declared > 0 || headerOf(req, "transfer-encoding") !== undefined)
  )
    body = await req.readBody(limit);
  const size = body === undefined ? 0 : typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  if (size > limit) throw tooLarge(limit, size);
  if (body !== undefined && typeof body !== "string" && !isUtf8(body))
    throw TesseraError.badRequest("the body is not valid UTF-8");
  const text =
    body === undefined || typeof body === "string"
      ? body
      : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8");
  return {
    ...(text === undefined ? {} : { body: text }),
    ...(contentType === undefined ? {} : { contentType }),
  };
}

function tooLarge(limit: number, size: number): TesseraError {
  return new TesseraError("TESSERA_PAYLOAD_TOO_LARGE", `the body exceeds the limit of ${limit} bytes`, {
    details: { limit: limit, ...(Number.isFinite(size) ? { size } : {}) },
  });
}

function unsupportedType(): TesseraError {
  return new TesseraError(
    "TESSERA_UNSUPPORTED_MEDIA_TYPE",
    "the body must be JSON (content-type: application/json)",
  );
}
