import type { ErrorCode } from "../../core/error-codes.js";
import { TesseraError } from "../../core/errors.js";
import { refusePrototypeKeys } from "../gateway/json-body.js";

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

const excerpt = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text);

/**
 * POSTs a step's input to a registered service and reads its JSON answer. An error status fails the
 * step with the code of that status (4xx: the caller's fault, not retried by default; 5xx:
 * `TESSERA_UNAVAILABLE`); a 2xx whose body is not JSON, or holds a `__proto__` or
 * `constructor.prototype` key, fails it too (`TESSERA_UNAVAILABLE`): a result is never merged
 * silently. 204 or an empty body is no content (`undefined`).
 *
 * A request is never abandoned when a sibling branch of a parallel fails: once sent, an HTTP request
 * cannot be recalled, and hanging up would only leave its outcome unknown (a service that goes on
 * would book after the run's undo came and went). The answer is awaited, within the step's timeout,
 * so that what it did is journaled and compensated with its real result.
 */
export async function callHttpService(
  service: string,
  address: string,
  input: unknown,
  idempotencyKey: string,
  timeoutMs: number,
): Promise<unknown> {
  let res: Response;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    res = await fetch(address, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "idempotency-key": idempotencyKey,
      },
      body: JSON.stringify(input ?? {}),
      signal: timeout,
    });
  } catch (err) {
    const timedOut = (err as Error).name === "TimeoutError";
    throw new TesseraError(
      timedOut ? "TESSERA_TIMEOUT" : "TESSERA_UNAVAILABLE",
      timedOut
        ? `service ${service} did not answer within ${timeoutMs} ms`
        : `service ${service} is unreachable at ${address}`,
      { details: { service, address }, cause: err },
    );
  }
  const text = await res.text();
  if (!res.ok) {
    let body: unknown = excerpt(text);
    try {
      body = JSON.parse(text);
    } catch {
      /* keep the text */
    }
    throw new TesseraError(codeOfStatus(res.status), `service ${service} answered ${res.status}`, {
      details: { service, status: res.status, body },
    });
  }
  if (res.status === 204 || text.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TesseraError(
      "TESSERA_UNAVAILABLE",
      `service ${service} answered ${res.status} with a body that is not JSON`,
      {
        details: {
          service,
          status: res.status,
          contentType: res.headers.get("content-type"),
          body: excerpt(text),
        },
      },
    );
  }
  try {
    // The gateway's reading of a body: a `__proto__` or `constructor.prototype` key is refused.
    refusePrototypeKeys(text, value);
  } catch (err) {
    throw new TesseraError(
      "TESSERA_UNAVAILABLE",
      `service ${service} answered ${res.status} with JSON that holds a forbidden key`,
      { details: { service, status: res.status, reason: (err as Error).message }, cause: err },
    );
  }
  return value;
}
