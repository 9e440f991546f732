import type { ErrorBody } from "../../core/errors.js";
import { TesseraError } from "../../core/errors.js";
import { maskUrl } from "../../core/mask-url.js";
import type { EgressPolicy } from "./egress-policy.js";
import { egressPost } from "./egress-request.js";
import { type FlowDef, flow } from "./flow.js";
import { errorBody } from "./flow-errors.js";

/**
 * How the end of a run is delivered to its `callbackUrl`: `attempts` POSTs in all, the n-th retry
 * `delayMs · factor^(n-1)` after the one before (no jitter). Default: 8 attempts from 5 s,
 * doubling — the last one about 10.6 minutes after the first.
 */
export interface CallbackPolicy {
  readonly attempts: number;
  readonly delayMs: number;
  readonly factor: number;
}

/** The default {@link CallbackPolicy}: 8 attempts, 5 s then doubling (5 s, 10 s … 320 s). */
export const defaultCallbackPolicy: CallbackPolicy = { attempts: 8, delayMs: 5000, factor: 2 };

/** The internal flow that delivers callbacks (one run per run that ends with a `callbackUrl`). */
export const CALLBACK_FLOW = "tesserae-callback";

/** What a delivery run is given: where to POST, and the end of the run. */
export interface Delivery {
  readonly url: string;
  readonly body: { readonly runId: string } & Record<string, unknown>;
}

/** How one attempt went (journaled as the attempt's step result). */
type Attempt =
  | { readonly ok: true }
  | { readonly ok: false; readonly retry: boolean; readonly error: ErrorBody };

/**
 * POSTs the end of a run to its callback URL once (5 s deadline), under the engine's egress policy
 * (a refused address is `TESSERA_FORBIDDEN`, not tried again; redirects are not followed). A 2xx
 * answer is a success; a network failure, a timeout, 408, 429 or a 5xx is `TESSERA_UNAVAILABLE`
 * (worth another try); any other status, a 3xx included, is `TESSERA_BAD_REQUEST` (the receiver
 * refuses it: not tried again).
 */
export async function postCallback(egress: EgressPolicy, url: string, body: unknown): Promise<void> {
  let status: number;
  try {
    ({ status } = await egressPost(egress, {
      url,
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
      timeoutMs: 5000,
      what: "the callback",
    }));
  } catch (cause) {
    if (cause instanceof TesseraError && cause.code === "TESSERA_FORBIDDEN") throw cause;
    throw TesseraError.unavailable(`callback ${maskUrl(url)} unreachable`, { cause: String(cause) });
  }
  if (status >= 500 || status === 408 || status === 429)
    throw TesseraError.unavailable(`callback ${maskUrl(url)} answered ${status}`, { status });
  if (status >= 300) throw TesseraError.badRequest(`callback ${maskUrl(url)} answered ${status}`);
}

async function attempt(egress: EgressPolicy, url: string, body: unknown): Promise<Attempt> {
  try {
    await postCallback(egress, url, body);
    return { ok: true };
  } catch (err) {
    const e = TesseraError.from(err);
    return { ok: false, retry: e.code === "TESSERA_UNAVAILABLE", error: errorBody(e) };
  }
}

/**
 * The flow that delivers a run's end to its callback URL, durably: each attempt is a journaled
 * step (`attempt 1`, `attempt 2`…, its outcome with the error), the delay between attempts a
 * durable sleep, so that a restart resumes with the next attempt and the policy's total holds
 * across crashes. It ends `completed` once delivered; after the last attempt (or a refusal that
 * another try would not change) it logs the failure and ends `failed` with it — a failed callback
 * used to get three tries within half a second, then be dropped with a log line.
 */
export function callbackFlow(
  policy: CallbackPolicy = defaultCallbackPolicy,
  egress: () => EgressPolicy,
): FlowDef {
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1 || policy.delayMs < 0 || policy.factor < 1)
    throw TesseraError.definition(
      CALLBACK_FLOW,
      "callback policy: attempts must be a whole number ≥ 1, delayMs ≥ 0 and factor ≥ 1",
    );
  return flow(CALLBACK_FLOW, { version: "1" }, async (ctx, input: unknown) => {
    const { url, body } = input as Delivery;
    let last: Attempt = { ok: true };
    for (let n = 1; n <= policy.attempts; n++) {
      if (n > 1) await ctx.sleep(Math.round(policy.delayMs * policy.factor ** (n - 2)));
      last = await ctx.step(`attempt ${n}`, () => attempt(egress(), url, body));
      if (last.ok) return { delivered: true, attempts: n };
      if (!last.retry) break;
    }
    const error = (last as Extract<Attempt, { ok: false }>).error;
    ctx.log.warn("run callback failed", { runId: body.runId, url: maskUrl(url), error });
    throw new TesseraError(
      "TESSERA_UNAVAILABLE",
      `the callback of run ${body.runId} to ${maskUrl(url)} failed: ${error.message}`,
      {
        details: { runId: body.runId, url: maskUrl(url), error },
      },
    );
  });
}

/**
 * What an engine gives its executions as `notify`: starts the run that delivers the end of `body`'s
 * run to `url` and resolves with its id once it is stored (the ending journals it). A crash between
 * the two starts another delivery: callbacks are delivered at least once.
 */
export function callbackStarter(
  start: (input: Delivery) => Promise<{ readonly id: string }>,
): (url: string, body: unknown) => Promise<string> {
  return async (url, body) => (await start({ url, body: body as Delivery["body"] })).id;
}
