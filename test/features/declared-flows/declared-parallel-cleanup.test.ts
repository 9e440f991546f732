import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { field } from "./external-services.js";
import { type DeclaredFixture, declaredFixture, runEnd as runEndOf } from "./fixture.js";

// Issue 14, finding 2, with the issue's own reproductions on loopback services: a failing branch of a
// declared parallel step cancels and awaits the others, every effect that started is journaled, and
// the saga undoes every completed booking; a wait in one branch holds no other.

/** Loopback services: `/slow` answers after SLOW_MS unless the caller hangs up, `/refuse` answers 400. */
const SLOW_MS = 400;
const seen: string[] = [];
let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const path = req.url!.slice(1);
      seen.push(path);
      if (path === "refuse") {
        res.writeHead(400, { "content-type": "application/json" }).end('{"message":"no"}');
        return;
      }
      if (path !== "slow") {
        res.writeHead(200, { "content-type": "application/json" }).end('{"booking":"b-0"}');
        return;
      }
      const t = setTimeout(() => {
        seen.push("slow-answered");
        res.writeHead(200, { "content-type": "application/json" }).end('{"booking":"b-1"}');
      }, SLOW_MS);
      res.on("close", () => {
        if (!res.writableEnded) {
          clearTimeout(t);
          seen.push("slow-hung-up");
        }
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("declared parallel: a failing branch cleans up (issue 14)", () => {
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

  it("the slow booking of a sibling branch used to reach the service after the run ended compensated, undone by nothing and missing from the journal: it is cancelled and journaled before the run ends", async () => {
    f = await declaredFixture();
    await register("first", "undo-first", "slow", "undo-slow", "refuse");
    const def = await f.client.post("/declared/flows", {
      name: "trip",
      inputs: [field("message")],
      steps: [
        { id: "first", service: "first", compensate: { service: "undo-first" } },
        {
          id: "both",
          type: "parallel",
          branches: [
            [{ id: "slow", service: "slow", compensate: { service: "undo-slow" } }],
            [{ id: "bad", service: "refuse" }],
          ],
        },
      ],
    });
    expect(def.status).toBe(201);
    const ev = await f.client.post("/declared/flows/trip/events", { data: { message: "go" }, mode: "async" });
    const id = (ev.body as { eventId: string }).eventId;
    const end = await runEnd(id);
    expect(end).toMatchObject({ status: "compensated", error: { code: "TESSERA_VALIDATION" } });
    const journal = await f.engine.store.journal(id);
    const slow = journal.find((e) => e.name === "slow" && e.kind !== "compensate");
    // Either cut short (journaled cancelled, the service saw the caller hang up) or completed and
    // undone — never left running past the end of the run, never missing from the journal.
    expect(slow).toBeDefined();
    if (slow!.state === "error") {
      expect(slow!.value).toMatchObject({ code: "TESSERA_CANCELLED" });
      expect(seen).toContain("slow-hung-up");
      // Cut short, it may have landed anyway (a service may ignore the hang-up): it is undone too.
      expect(seen).toContain("undo-slow");
    } else {
      expect(seen.indexOf("undo-slow")).toBeGreaterThan(seen.indexOf("slow-answered"));
    }
    // The last request the services received is the last undo (the server may notice the hang-up later).
    const requests = () => seen.filter((s) => s !== "slow-hung-up");
    expect(requests().at(-1)).toBe("undo-first");
    const after = requests().length;
    await new Promise((r) => setTimeout(r, SLOW_MS + 200));
    expect(requests().length).toBe(after);
  });

  it("a sibling call used to run on after the run had ended failed, unjournaled: its answer is awaited and journaled before the run ends, and its branch starts nothing more", async () => {
    f = await declaredFixture();
    await register("slow", "late", "refuse");
    await f.client.post("/declared/flows", {
      name: "late-sibling",
      inputs: [field("message")],
      steps: [
        {
          id: "both",
          type: "parallel",
          branches: [
            [
              { id: "slow", service: "slow" },
              { id: "late", service: "late" },
            ],
            [{ id: "bad", service: "refuse" }],
          ],
        },
      ],
    });
    const ev = await f.client.post("/declared/flows/late-sibling/events", {
      data: { message: "go" },
      mode: "async",
    });
    const id = (ev.body as { eventId: string }).eventId;
    const end = await runEnd(id);
    expect(end).toMatchObject({ status: "failed", error: { code: "TESSERA_VALIDATION" } });
    const slow = (await f.engine.store.journal(id)).find((e) => e.name === "slow");
    // An HTTP request once sent is not abandoned: its answer is awaited and journaled.
    expect(slow?.state).toBe("ok");
    expect(seen).toContain("slow-answered");
    expect(slow!.at).toBeLessThanOrEqual(end.updatedAt as number);
    await new Promise((r) => setTimeout(r, SLOW_MS + 200));
    expect(seen).not.toContain("late");
    expect((await f.engine.store.journal(id)).some((e) => e.name === "late")).toBe(false);
  });

  it("a wait in one branch used to stall the other branch's calls (lock-step rounds): they run while it waits", async () => {
    f = await declaredFixture();
    await register("one", "two");
    await f.client.post("/declared/flows", {
      name: "waits-apart",
      inputs: [field("message")],
      steps: [
        {
          id: "both",
          type: "parallel",
          branches: [
            [{ id: "hold", type: "wait", signal: "go" }],
            [
              { id: "one", service: "one" },
              { id: "two", service: "two" },
            ],
          ],
        },
      ],
    });
    const ev = await f.client.post("/declared/flows/waits-apart/events", {
      data: { message: "go" },
      mode: "async",
    });
    const id = (ev.body as { eventId: string }).eventId;
    const until = Date.now() + 10_000;
    while ((await f.engine.store.getRun(id))?.status !== "waiting") {
      if (Date.now() > until) throw new Error("the run never waited");
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toEqual(["one", "two"]);
    expect((await f.client.post(`/flows/runs/${id}/signals/go`, { payload: {} })).status).toBe(202);
    expect(await runEnd(id)).toMatchObject({ status: "completed" });
    expect(seen).toEqual(["one", "two"]);
  });
});
