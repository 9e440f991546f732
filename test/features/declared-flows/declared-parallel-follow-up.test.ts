import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { field } from "./external-services.js";
import { type DeclaredFixture, declaredFixture, runEnd as runEndOf } from "./fixture.js";

// Issue 14 follow-up, the outside user's declared reproductions: `dstall` (finding 3: a branch's wait
// longer than inlineSleepMs was held by a sibling's slow call) and `dpar` (finding 5: a booking whose
// caller hung up but whose service completed it anyway was never undone).

/** Loopback services: `/slow` answers after SLOW_MS and ignores a hang-up, `/bad` answers 400. */
const SLOW_MS = 1500;
const seen: string[] = [];
let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const path = req.url!.slice(1);
      seen.push(path);
      if (path === "bad") {
        res.writeHead(400, { "content-type": "application/json" }).end('{"message":"no"}');
        return;
      }
      const answer = () => res.writeHead(200, { "content-type": "application/json" }).end('{"booking":"b"}');
      if (path !== "slow" && path !== "slowbook") {
        answer();
        return;
      }
      // Completes its work whatever the caller does (it ignores the abort).
      setTimeout(() => {
        seen.push(`${path}-done`);
        if (!res.destroyed) answer();
      }, SLOW_MS);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("declared parallel, issue 14 follow-up", () => {
  let f: DeclaredFixture;
  afterEach(async () => {
    await f?.stop();
    seen.length = 0;
  });

  async function register(...names: string[]): Promise<void> {
    for (const name of names) {
      const res = await f.client.post("/declared/services", {
        name,
        address: `${base}/${name}`,
        inputs: [field("message")],
        outputs: [field("booking")],
      });
      expect(res.status).toBe(201);
    }
  }

  const runEnd = (eventId: string) => runEndOf(f, eventId);

  async function start(flow: string): Promise<string> {
    const ev = await f.client.post(`/declared/flows/${flow}/events`, {
      data: { message: "go" },
      mode: "async",
    });
    return (ev.body as { eventId: string }).eventId;
  }

  it("dstall: a branch's wait longer than inlineSleepMs held its next call until the sibling's slow call ended: the call runs on the wait's due time", async () => {
    f = await declaredFixture({ engine: { inlineSleepMs: 20 } });
    await register("slow", "after");
    const def = await f.client.post("/declared/flows", {
      name: "dstall",
      inputs: [field("message")],
      steps: [
        {
          id: "p",
          type: "parallel",
          branches: [
            [{ id: "s", service: "slow" }],
            [
              { id: "w", type: "wait", duration: "300ms" },
              { id: "a", service: "after" },
            ],
          ],
        },
      ],
    });
    expect(def.status).toBe(201);
    const id = await start("dstall");
    expect(await runEnd(id)).toMatchObject({ status: "completed" });
    // `after` reached its service before the slow one answered.
    expect(seen).toEqual(["slow", "after", "slow-done"]);
  });

  it("dpar: a slow booking cut short by the failure of its sibling, which its service completed anyway, was never undone (and, once compensated at once, undone before it landed): its answer is awaited, then compensated in the saga's order", async () => {
    f = await declaredFixture();
    await register("first", "undofirst", "slowbook", "undoslowbook", "bad");
    const def = await f.client.post("/declared/flows", {
      name: "dpar",
      inputs: [field("message")],
      steps: [
        { id: "first", service: "first", compensate: { service: "undofirst" } },
        {
          id: "p",
          type: "parallel",
          branches: [
            [{ id: "slowbook", service: "slowbook", compensate: { service: "undoslowbook" } }],
            [{ id: "bad", service: "bad" }],
          ],
        },
      ],
    });
    expect(def.status).toBe(201);
    const id = await start("dpar");
    expect(await runEnd(id)).toMatchObject({ status: "compensated", error: { code: "TESSERA_VALIDATION" } });
    const journal = await f.engine.store.journal(id);
    expect(journal.find((e) => e.name === "slowbook" && e.kind !== "compensate")).toMatchObject({
      state: "ok",
      value: { booking: "b" },
    });
    // The undo comes after the booking landed, never before it.
    const order = seen.filter((s) => s.startsWith("undo") || s === "slowbook-done");
    expect(order).toEqual(["slowbook-done", "undoslowbook", "undofirst"]);
    expect(journal.filter((e) => e.kind === "compensate").map((e) => `${e.name} ${e.state}`)).toEqual([
      "slowbook ok",
      "first ok",
    ]);
  });
});
