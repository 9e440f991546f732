// Before measuring a peer, check that it answers what the scenario expects: a fast wrong answer is no figure.
import { isDeepStrictEqual } from "node:util";
import type { HttpScenario, Peer } from "./scenarios.js";
import { hello, invalidUser, userReply, validUser } from "./workload.js";

async function send(url: string, method: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  const text = await response.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // Leave it as text for the message.
  }
  return { status: response.status, json };
}

/** Throws with a clear message when the peer does not serve the scenario correctly. */
export async function checkPeer(base: string, scenario: HttpScenario, peer: Peer): Promise<void> {
  const url = `${base}${scenario.path}`;
  const expected = scenario.method === "GET" ? hello : userReply(validUser);
  const ok = await send(url, scenario.method, scenario.body);
  if (ok.status !== 200 || !isDeepStrictEqual(ok.json, expected)) {
    throw new Error(`${scenario.method} ${scenario.path} answered ${ok.status} ${JSON.stringify(ok.json)}`);
  }
  if (scenario.method === "POST" && peer.validates !== false) {
    const bad = await send(url, "POST", invalidUser);
    if (bad.status < 400 || bad.status > 499) {
      throw new Error(`an ill-typed body was not refused (status ${bad.status}): validation is not active`);
    }
  }
}
