import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { postgresFlowStore } from "../../src/adapters/postgres/index.js";
import { sqliteFlowStore } from "../../src/adapters/sqlite/index.js";
import type { FlowStore } from "../../src/ports/flow-store.js";
import { dropSchema, newPool, PG_URL, postgresAvailable, testSchema } from "../support/postgres.js";
import { killAll, type NodeProcess, startProcess } from "../support/processes.js";
import { orderMachine as machine } from "./fixtures/asl-order-machine.js";
import { type RecordedCall, RecordingServices } from "./fixtures/recording-services.js";

// States Language flows under SIGKILL: a machine with a Map (a retried Task per item, FULL jitter),
// a Wait, a Parallel (a Task retried on States.TaskFailed), States.UUID() and context values
// ($$.Execution.StartTime, $$.Execution.Id, $$.State.EnteredTime, $$.Map.Item) in its Parameters,
// on real HTTP services run here. The engine's process (test/e2e/fixtures/declared-worker.ts) is
// killed at chosen points and at random times, then started again. Checked: every run completes;
// no call repeats a Task whose outcome the store held when the process died (only an outcome not
// yet committed may be fetched again, and then with the same idempotency key); one key per Task and
// item was answered with success (its effect landed once); what the services were sent — the UUIDs,
// the start time, the entered time — is what the output says, across every restart.

vi.setConfig({ testTimeout: 180_000 });
const dir = mkdtempSync(join(tmpdir(), "tesserae-asl-crash-"));
const pgUp = await postgresAvailable();
const pool = pgUp ? newPool(4) : undefined;
const schemas: string[] = [];

/** The first idempotency key of each logical unit (a Task of a run, an item): it is answered 503. */
const firstKeys = new Map<string, string>();
const failsFirst = (unit: string, key: string) => {
  if (!firstKeys.has(unit)) firstKeys.set(unit, key);
  return firstKeys.get(unit) === key;
};
const busy = { status: 503, json: { message: "busy, try again" } };
const services = new RecordingServices({
  reserve: (c) => ({ json: { reservation: `R-${String(c.body.orderId)}` } }),
  pick: (c) =>
    c.body.index === 1 && failsFirst(`${c.runId}/pick/1`, c.key)
      ? busy
      : { json: { sku: c.body.sku, index: c.body.index, lineId: c.body.lineId, picked: true } },
  mail: (c) => ({ json: { mailed: c.body.orderId, traceId: c.body.traceId } }),
  bill: (c) => (failsFirst(`${c.runId}/bill`, c.key) ? busy : { json: { billed: c.body.orderId } }),
});
let base = "";
beforeAll(async () => {
  base = await services.start();
});
afterEach(killAll);
afterAll(async () => {
  await services.stop();
  rmSync(dir, { recursive: true, force: true });
  for (const s of schemas) await dropSchema(pool!, s);
  await pool?.end();
});

const post = async (url: string, body: unknown) => {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

async function until<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${typeof what === "string" ? what : what()}: not within ${ms} ms`);
}

/** One engine process at a time on one store; each SIGKILL notes what the store held then. */
class Engine {
  worker: NodeProcess | undefined;
  url = "";
  readonly kills: { incarnation: number; committed: Set<string> }[] = [];
  readonly runIds: string[] = [];

  constructor(
    private readonly env: Record<string, string>,
    readonly store: () => FlowStore,
  ) {}

  async boot(): Promise<void> {
    services.incarnation++;
    this.worker = await startProcess("declared-worker.ts", this.env, 30_000);
    this.url = this.worker.ready.url!;
  }

  /** SIGKILL, then the Task outcomes the store holds (`<runId>:<seq>`: what a replay reads back). */
  async crash(): Promise<void> {
    const incarnation = services.incarnation;
    await this.worker!.kill("SIGKILL");
    const committed = new Set<string>();
    for (const id of this.runIds)
      for (const e of await this.store().journal(id))
        if (e.kind === "step" && e.state !== "pending") committed.add(`${id}:${e.seq}`);
    this.kills.push({ incarnation, committed });
  }

  async setup(): Promise<void> {
    await this.boot();
    for (const name of ["reserve", "pick", "mail", "bill"]) {
      const r = await post(`${this.url}/declared/services`, {
        name,
        address: `${base}/${name}`,
        inputs: [],
        outputs: [],
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    const f = await post(`${this.url}/declared/flows`, {
      name: "order",
      language: "asl",
      definition: machine,
    });
    expect(f.status, JSON.stringify(f.body)).toBe(201);
  }

  async order(orderId: string, items: string[]): Promise<string> {
    const e = await post(`${this.url}/declared/flows/order/events`, {
      data: { orderId, items },
      mode: "async",
    });
    expect(e.status).toBe(202);
    const id = e.body.eventId as string;
    this.runIds.push(id);
    return id;
  }

  status(id: string): Promise<string> {
    return fetch(`${this.url}/declared/events/${id}`)
      .then((r) => r.json())
      .then((b) => (b as { status: string }).status);
  }
}

const okKeys = (calls: readonly RecordedCall[]) =>
  new Set(calls.filter((c) => c.status !== undefined && c.status < 300).map((c) => c.key));

/** Every run completed, and the checks of the file's header hold for each. */
async function verify(engine: Engine, orders: ReadonlyMap<string, { orderId: string; items: string[] }>) {
  let repeated = 0;
  for (const [id, { orderId, items }] of orders) {
    let last: unknown;
    const ev = await until(
      () =>
        `run ${id} (last seen: ${JSON.stringify(last)}; the engine's stderr: ${engine.worker?.stderr().slice(-2000)})`,
      async () => {
        const b = (await (await fetch(`${engine.url}/declared/events/${id}`)).json()) as Record<
          string,
          unknown
        >;
        last = b;
        return ["completed", "failed"].includes(b.status as string) ? b : undefined;
      },
    );
    expect(ev, JSON.stringify(ev)).toMatchObject({ status: "completed" });
    const out = ev.output as {
      traceId: string;
      started: string;
      picked: { sku: string; index: number; lineId: string; picked: boolean }[];
    };
    const started = new Date((await engine.store().getRun(id))!.createdAt).toISOString();
    expect(out).toEqual({
      orderId,
      traceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      started,
      execution: id,
      reserved: { reservation: `R-${orderId}` },
      picked: items.map((sku, index) => ({ sku, index, lineId: expect.any(String), picked: true })),
      notified: [{ mailed: orderId, traceId: out.traceId }, { billed: orderId }],
    });
    const calls = services.calls.filter((c) => c.runId === id);
    const of = (service: string, index?: number) =>
      calls.filter((c) => c.service === service && (index === undefined || c.body.index === index));
    // What the services were sent is what the output says, before and after every crash.
    for (const c of of("reserve"))
      expect(c.body).toEqual({ orderId, traceId: out.traceId, started, execution: id });
    for (const c of of("mail")) expect(c.body).toEqual({ orderId, traceId: out.traceId, started });
    for (const c of of("bill")) expect(c.body).toEqual(of("bill")[0]!.body);
    expect(of("bill")[0]!.body).toMatchObject({ orderId, traceId: out.traceId });
    items.forEach((sku, index) => {
      for (const c of of("pick", index))
        expect(c.body).toEqual({ sku, index, traceId: out.traceId, lineId: out.picked[index]!.lineId });
    });
    expect(new Set([out.traceId, ...out.picked.map((p) => p.lineId)]).size).toBe(items.length + 1);
    // No call repeats a Task whose outcome the store held when an earlier process died.
    for (const c of calls)
      for (const k of engine.kills)
        if (k.incarnation < c.incarnation)
          expect(k.committed.has(c.key), `${c.service} ${c.key} ran again after kill ${k.incarnation}`).toBe(
            false,
          );
    // One process sends a key once; a later one only when the outcome was not committed (above).
    const sent = calls.map((c) => `${c.key}@${c.incarnation}`);
    expect(new Set(sent).size).toBe(sent.length);
    repeated += calls.length - new Set(calls.map((c) => c.key)).size;
    // Each effect landed once: one key answered with success per Task and per item.
    for (const s of ["reserve", "mail", "bill"]) expect(okKeys(of(s)).size, s).toBe(1);
    items.forEach((_, index) => {
      expect(okKeys(of("pick", index)).size, `pick ${index}`).toBe(1);
    });
    // The journal agrees: its successful Task steps are those keys.
    const journal = await engine.store().journal(id);
    const steps = journal.filter((e) => e.kind === "step" && e.state === "ok" && e.name !== "$definition");
    expect(steps.map((e) => e.name).sort()).toEqual(
      ["Bill", "Mail", "Reserve", ...items.map(() => "Pick")].sort(),
    );
    for (const e of steps) expect(okKeys(calls).has(`${id}:${e.seq}`), e.name).toBe(true);
  }
  return { repeated };
}

/** The states of a run's diagram, by node id. */
async function drawnStates(url: string, id: string): Promise<Record<string, string>> {
  const svg = await (await fetch(`${url}/flows/runs/${id}/diagram.svg`)).text();
  return Object.fromEntries(
    [...svg.matchAll(/data-id="([^"]+)" data-state="([^"]+)"/g)].map((m) => [m[1], m[2]]),
  );
}

const variants = [
  {
    name: "sqlite",
    up: true,
    engine: (n: number) => {
      const file = join(dir, `asl-${n}.db`);
      let store: FlowStore | undefined;
      return new Engine({ DB: file, WORKER_ID: `asl-${n}` }, () => {
        store ??= sqliteFlowStore({ database: new Database(file) });
        return store;
      });
    },
  },
  {
    name: "postgresql",
    up: pgUp,
    engine: (n: number) => {
      const schema = testSchema("asl_crash", n);
      schemas.push(schema);
      const store = postgresFlowStore({ pool: pool!, schema });
      return new Engine({ STORE: `postgres:${schema}`, PG_URL, WORKER_ID: `asl-pg-${n}` }, () => store);
    },
  },
];

let n = 0;
for (const variant of variants) {
  describe.skipIf(!variant.up)(`States Language flows under SIGKILL (${variant.name})`, () => {
    it("killed in a Task's call, as a Map item's answer leaves, in a Map item's call, in the Wait and in a Parallel branch's call: the run completes, no committed Task runs again, the drawn values stay", async () => {
      const engine = variant.engine(++n);
      await engine.setup();
      const order = { orderId: `o-${n}`, items: ["apple", "pear", "fig"] };
      const mine = (c: RecordedCall) => c.runId === id;
      const reserve = services.hold("reserve");
      const id = await engine.order(order.orderId, order.items);
      await reserve.arrived;
      await engine.crash(); // 1. in Reserve's call
      reserve.release();
      const answered = services.answer("pick", (c) => mine(c) && c.body.index === 0);
      await engine.boot();
      await answered;
      await engine.crash(); // 2. the moment a Map item's answer left (its outcome maybe not committed)
      const third = services.hold("pick", (c) => mine(c) && c.body.index === 2);
      await engine.boot();
      await third.arrived;
      await engine.crash(); // 3. in a Map item's call (a branch: journaled pending, re-sent with its key)
      third.release();
      await engine.boot();
      await until("the Wait", async () =>
        services.calls.some(
          (c) => mine(c) && c.service === "pick" && c.body.index === 2 && c.status === 200,
        ) && (await engine.status(id)) === "sleeping"
          ? true
          : undefined,
      );
      const mail = services.hold("mail", mine);
      await engine.crash(); // 4. in the Wait
      await engine.boot();
      await mail.arrived;
      await engine.crash(); // 5. in a Parallel branch's call (Bill failing and retried beside it)
      mail.release();
      await engine.boot();
      const { repeated } = await verify(engine, new Map([[id, order]]));
      // The Tasks in flight at kills 1, 3 and 5 were sent again (same key); kill 2 may add one.
      expect(repeated).toBeGreaterThanOrEqual(3);
      // Asleep in the Wait, the run had every earlier Task's outcome in the store (so the check of
      // repeats above had something to find): none of them was sent after that kill.
      const inWait = engine.kills[3]!;
      const before = services.calls.filter((c) => mine(c) && c.incarnation <= inWait.incarnation);
      expect(before.map((c) => c.service).sort()).toEqual(
        expect.arrayContaining(["pick", "pick", "pick", "pick", "reserve"]),
      );
      for (const c of before) expect(inWait.committed.has(c.key), `${c.service} ${c.key}`).toBe(true);
      const drawn = await drawnStates(engine.url, id);
      for (const state of ["Stamp", "Reserve", "Items", "Pick", "Cool", "Notify", "Mail", "Bill", "Done"])
        expect(drawn[state], state).toBe("done");
      console.info(`asl-crash (${variant.name}): 5 kills, ${repeated} call(s) sent again with their key`);
    });

    afterEach(() => {
      services.latencyMs = [20, 80];
    });

    it("killed at random times (6 times, 0.2 to 1.5 s after each start) with eight runs under way (four more after the third restart): every run completes, no committed Task runs again, the drawn values stay", async () => {
      const engine = variant.engine(++n);
      await engine.setup();
      services.latencyMs = [100, 400]; // slow services: a kill often finds calls in flight
      const orders = new Map<string, { orderId: string; items: string[] }>();
      const wave = async (w: number) => {
        for (const [k, items] of [["a"], ["b", "c"], ["d", "e", "f"], ["g", "h", "i", "j"]].entries()) {
          const orderId = `r-${n}-${w}-${k}`;
          orders.set(await engine.order(orderId, items), { orderId, items });
        }
      };
      await wave(0);
      const delays: number[] = [];
      for (let kill = 0; kill < 6; kill++) {
        if (kill > 0) await engine.boot();
        if (kill === 3) await wave(1);
        const ms = Math.round(200 + Math.random() * 1300);
        delays.push(ms);
        await new Promise((r) => setTimeout(r, ms));
        await engine.crash();
      }
      await engine.boot();
      const { repeated } = await verify(engine, orders);
      console.info(
        `asl-crash (${variant.name}): kills after ${delays.join(", ")} ms; ${repeated} call(s) sent again with their key`,
      );
    });
  });
}
