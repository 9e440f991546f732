import { expect, vi } from "vitest";
import type { DeadLetter } from "../../../src/core/dead-letter-store.js";
import { deadLetters } from "../../../src/features/dead-letters/dead-letters-service.js";
import { createGateway } from "../../../src/features/gateway/index.js";
import { createNode, event, service, silentLogger, subscribe, type Transport } from "../../../src/index.js";

const token = "dlq-management-token-0123456789";
const waitFor = <T>(check: () => Promise<T>) => vi.waitFor(check, { timeout: 15_000, interval: 50 });

/**
 * Issue 17, part C, item 3: a durable event whose handler fails lands in the dead letters; they are
 * listed, replayed (published again to the original subject, then removed) and dropped over HTTP,
 * under the management API's token, on the transport `make` gives.
 */
export async function deadLettersRoundTrip(
  transport: Transport,
  cleanup: (done: () => Promise<unknown>) => void,
) {
  const happened = event("dlqtest.happened", undefined, { durable: true });
  let failing = true;
  const handled: unknown[] = [];
  const mailer = service("mailer", {
    on: {
      send: subscribe(
        happened,
        (payload) => {
          if (failing) throw new Error("smtp is down");
          handled.push(payload);
        },
        { retry: { attempts: 1 } },
      ),
    },
  });
  // A second consumer of the event, which handles it the first time: a replay must not reach it twice.
  const audited: unknown[] = [];
  const audit = service("audit", {
    on: { keep: subscribe(happened, (payload) => void audited.push(payload)) },
  });
  const dlq = deadLetters({ management: { token } });
  const node = createNode({
    services: [mailer, audit, dlq.service],
    plugins: [dlq.plugin],
    transport,
    logger: silentLogger,
  });
  await node.start();
  cleanup(() => node.stop());
  const gateway = createGateway(node);
  const http = async (method: string, url: string, bearer: string | null = token) => {
    const r = await gateway.handle({
      method,
      url,
      headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` },
    });
    return {
      status: r.status,
      body: r.body === undefined || r.body === "" ? undefined : JSON.parse(String(r.body)),
    };
  };

  await node.emit(happened, { to: "ada" }, { id: "evt-ada" });
  const [letter] = await waitFor(async () => {
    const r = await http("GET", "/dlq");
    expect(r.status).toBe(200);
    expect(r.body.items).toHaveLength(1);
    return r.body.items as DeadLetter[];
  });
  expect(letter).toMatchObject({
    subject: expect.stringContaining("dlqtest.happened"),
    consumer: expect.stringContaining("mailer"),
    deliveries: 1,
    error: expect.stringContaining("smtp is down"),
    deadLetterSubject: expect.stringMatching(/^tessera\.dlq\.mailer\./),
    eventId: "evt-ada",
  });
  expect(new Date(letter!.time).getTime()).not.toBeNaN();
  // The management API's credentials are asked for.
  expect((await http("GET", "/dlq", null)).status).toBe(401);
  expect((await http("GET", "/dlq?service=other")).body.items).toEqual([]);

  // Replay: the handler, working again, gets the event; the letter is gone.
  failing = false;
  const replayed = await http("POST", `/dlq/${encodeURIComponent(letter!.id)}/replay`);
  expect(replayed.status).toBe(200);
  expect(replayed.body.id).toBe(letter!.id);
  await waitFor(async () => expect(handled).toEqual([{ to: "ada" }]));
  // The audit consumer knew the event by its id: its inbox dropped the replay.
  await node.emit(happened, { to: "marker" }, { id: "evt-marker" });
  await waitFor(async () => expect(audited).toContainEqual({ to: "marker" }));
  expect(audited).toEqual([{ to: "ada" }, { to: "marker" }]);
  await waitFor(async () => expect(handled).toContainEqual({ to: "marker" }));
  expect((await http("GET", "/dlq")).body.items).toEqual([]);
  expect((await http("POST", `/dlq/${encodeURIComponent(letter!.id)}/replay`)).status).toBe(404);

  // Drop: the letter is gone, nobody handles it.
  failing = true;
  await node.emit(happened, { to: "bob" });
  const [second] = await waitFor(async () => {
    const items = (await http("GET", "/dlq")).body.items as DeadLetter[];
    expect(items).toHaveLength(1);
    return items;
  });
  failing = false;
  expect((await http("DELETE", `/dlq/${encodeURIComponent(second!.id)}`)).status).toBe(200);
  expect((await http("GET", "/dlq")).body.items).toEqual([]);
  expect((await http("DELETE", `/dlq/${encodeURIComponent(second!.id)}`)).status).toBe(404);
  expect(handled).toEqual([{ to: "ada" }, { to: "marker" }]);
}
