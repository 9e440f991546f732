import type { ErrorCode } from "../../core/error-codes.js";
import { TesseraError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { maskUrl } from "../../core/mask-url.js";
import type { EgressPolicy } from "../flows/egress-policy.js";
import { type EgressAnswer, egressPost } from "../flows/egress-request.js";
import { refuseUnsafeJson } from "../gateway/json-body.js";

function codeOfStatus(status: number): ErrorCode {
  if (status === 401) return "TESSERA_UNAUTHORIZED";
  if (status === 403) return "TESSERA_FORBIDDEN";
  if (status === 404) return "TESSERA_NOT_FOUND";
  if (status === 409) return "TESSERA_CONFLICT";
  if (status === 400 || status === 422) return "TESSERA_VALIDATION";
  if (status === 413) return "TESSERA_PAYLOAD_TOO_LARGE";
  if (status === 415) return "TESSERA_UNSUPPORTED_MEDIA_TYPE";
  if (status === 504) return "TESSERA_TIMEOUT";
  if (status >= 400 && status < 500) return "TESSERA_BAD_REQUEST";
  return "TESSERA_UNAVAILABLE";
}

const excerpt = (text: string) => (text.length > 2000 ? `${text.slice(0, 2000)}…` : text);

/** One call of a step to a registered service. */
export interface HttpServiceCall {
  readonly service: string;
  readonly address: string;
  readonly input: unknown;
  /** `<runId>:<seq>`: sent as `idempotency-key`, and the id an error's body is logged under. */
  readonly idempotencyKey: string;
  /** The run's fencing token (its lease generation): sent as `fencing-token` beside the key. */
  readonly fencingToken: number;
  readonly timeoutMs: number;
  readonly egress: EgressPolicy;
  /** Where a service's error body goes (never to the caller). */
  readonly logger: Logger;
}

/**
 * POSTs a step's input to a registered service, under the egress policy, and reads its JSON answer.
 * An error status fails the step with the code of that status (4xx: the caller's fault, not retried
 * by default; 5xx: `TESSERA_UNAVAILABLE`), a redirect (3xx) with its status: it is not followed. The
 * body of an error answer never reaches the run's error (whose view the HTTP callers get): it is
 * logged with the request id (the step's idempotency key), which the error names. A 2xx whose body
 * is not JSON, or holds a `__proto__` or `constructor.prototype` key, fails the step too
 * (`TESSERA_UNAVAILABLE`): a result is never merged silently. 204 or an empty body is no content
 * (`undefined`). The address is masked (`user:***@`) in every message and detail.
 *
 * A request is never abandoned when a sibling branch of a parallel fails: once sent, an HTTP request
 * cannot be recalled, and hanging up would only leave its outcome unknown (a service that goes on
 * would book after the run's undo came and went). The answer is awaited, within the step's timeout,
 * so that what it did is journaled and compensated with its real result.
 */
export async function callHttpService(call: HttpServiceCall): Promise<unknown> {
  const { service, timeoutMs, idempotencyKey: requestId } = call;
  const address = maskUrl(call.address);
  let res: EgressAnswer;
  try {
    res = await egressPost(call.egress, {
      url: call.address,
      body: JSON.stringify(call.input ?? {}),
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "idempotency-key": requestId,
        "fencing-token": String(call.fencingToken),
      },
      timeoutMs,
      what: `the call of service ${service}`,
    });
  } catch (err) {
    const code = err instanceof TesseraError ? err.code : "TESSERA_UNAVAILABLE";
    if (code === "TESSERA_FORBIDDEN") throw err; // the egress policy's refusal, the URL masked
    const message =
      code === "TESSERA_TIMEOUT"
        ? `service ${service} did not answer within ${timeoutMs} ms`
        : code === "TESSERA_PAYLOAD_TOO_LARGE"
          ? `service ${service} answered too much: ${(err as Error).message}`
          : `service ${service} is unreachable at ${address}`;
    throw new TesseraError(code === "TESSERA_TIMEOUT" ? code : "TESSERA_UNAVAILABLE", message, {
      details: { service, address },
      cause: err,
    });
  }
  const { status, text } = res;
  if (status < 200 || status >= 300) {
    const redirect = status >= 300 && status < 400;
    call.logger.warn(`service ${service} answered ${status}`, {
      requestId,
      service,
      address,
      status,
      ...(redirect ? { location: maskUrl(String(res.headers.location ?? "")) } : {}),
      body: excerpt(text),
    });
    throw new TesseraError(
      redirect ? "TESSERA_UNAVAILABLE" : codeOfStatus(status),
      redirect
        ? `service ${service} answered ${status}: a redirect, not followed`
        : `service ${service} answered ${status} (its body is logged under request id ${requestId})`,
      { details: { service, status, requestId } },
    );
  }
  if (status === 204 || text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    call.logger.warn(`service ${service} answered a body that is not JSON`, {
      requestId,
      service,
      status,
      body: excerpt(text),
    });
    throw new TesseraError(
      "TESSERA_UNAVAILABLE",
      `service ${service} answered ${status} with a body that is not JSON (logged under request id ${requestId})`,
      { details: { service, status, contentType: res.headers["content-type"] ?? null, requestId } },
    );
  }
  try {
    // The gateway's reading of a body: a `__proto__` or `constructor.prototype` key, or nesting
    // deeper than the gateway takes, is refused.
    refuseUnsafeJson(text, value);
  } catch (err) {
    const deep = (TesseraError.from(err).details as { maxDepth?: number } | undefined)?.maxDepth;
    throw new TesseraError(
      "TESSERA_UNAVAILABLE",
      `service ${service} answered ${status} with JSON that ${deep === undefined ? "holds a forbidden key" : `nests deeper than ${deep} levels`}`,
      { details: { service, status, reason: (err as Error).message }, cause: err },
    );
  }
  return value;
}
