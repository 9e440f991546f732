// The `Idempotency-Key` request header (draft-ietf-httpapi-idempotency-key-header, as Stripe uses
// it): a client that saw no answer (a socket reset after the deposit committed, issue 17 bug 9)
// sends the request again with the same key and gets the first answer instead of a second deposit.

import { TesseraError } from "../../core/errors.js";
import type { Identity } from "../../core/identity.js";
import type { Route } from "../../core/routes.js";
import { type GatewayRequest, headerOf } from "./gateway-request.js";

/** The header, lower-case as requests carry it. */
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";

const MAX_LENGTH = 255;
const bare = /^[\x21\x23-\x7e]+$/;
const sfString = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/;

/** The key a header value gives: a structured-field string (`"…"`, the draft) or a bare token (Stripe). */
export function parseIdempotencyKey(value: string): string | undefined {
  const quoted = sfString.exec(value.trim());
  const key = quoted === null ? value.trim() : quoted[1]!.replace(/\\(["\\])/g, "$1");
  if (key.length === 0 || key.length > MAX_LENGTH) return undefined;
  return quoted !== null || bare.test(key) ? key : undefined;
}

/**
 * The idempotency key of an HTTP call, or `undefined` when the request has none. `TESSERA_BAD_REQUEST`
 * (400) for a malformed key, and for a key sent to an entry that is not idempotent (a client must
 * not believe a retry is safe when it is not). The key is kept per caller (`identity.sub`) and
 * apart from the keys of flows, so that one client's key never answers another's request.
 */
export function idempotencyKeyOf(
  req: GatewayRequest,
  route: Route,
  identity: Identity | undefined,
): string | undefined {
  const raw = headerOf(req, IDEMPOTENCY_KEY_HEADER);
  if (raw === undefined) return undefined;
  const key = parseIdempotencyKey(raw);
  if (key === undefined)
    throw TesseraError.badRequest(
      `Idempotency-Key must be 1 to ${MAX_LENGTH} visible ASCII characters, bare or as a quoted string`,
    );
  if (route.entry.idempotent !== true)
    throw TesseraError.badRequest(
      `${route.entry.id} does not take an Idempotency-Key: it is not declared idempotent`,
    );
  const sub = typeof identity?.sub === "string" ? identity.sub : "";
  return `http:${sub.length}:${sub}:${key}`;
}
