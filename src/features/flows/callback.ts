import { TesseraError } from "../../core/errors.js";
import { runWithRetry } from "./retry.js";

/**
 * POSTs the end of a run to its `callbackUrl` as JSON: 3 attempts with backoff, 5 s each; a 2xx
 * answer is a success. Delivery is at least once (a crash after the POST and before the journal
 * write sends it again).
 */
export async function postCallback(url: string, body: unknown): Promise<void> {
  await runWithRetry({ attempts: 3, baseDelayMs: 200, on: ["TESSERA_UNAVAILABLE"] }, async () => {
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5000),
      });
    } catch (cause) {
      throw TesseraError.unavailable(`callback ${url} unreachable`, { cause: String(cause) });
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 500) throw TesseraError.unavailable(`callback ${url} answered ${res.status}`);
    if (res.status >= 300) throw TesseraError.badRequest(`callback ${url} answered ${res.status}`);
  });
}
