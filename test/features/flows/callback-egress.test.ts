// Issue 16, item 3: run callbacks go through the egress policy. A callback URL that the policy
// refuses by what it says is refused when the run starts (400 naming callbackUrl); a name is
// checked again at delivery on the addresses it resolves to then, and a refusal is not retried.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { flow } from "../../../src/features/flows/index.js";
import { createGateway } from "../../../src/features/gateway/gateway.js";
import type { RunRecord } from "../../../src/ports/flow-store.js";
import { testClient } from "../../../src/testing/index.js";
import { type Harness, harness } from "./fixtures.js";

const quick = flow("quick", {}, async (ctx) => ctx.step("work", () => 42));

let status = 204;
const received: unknown[] = [];
let server: Server;
let port = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received.push(req.url);
      res.writeHead(status, status === 307 ? { location: `http://127.0.0.1:${port}/elsewhere` } : {}).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
  received.length = 0;
  status = 204;
});

async function start(options: Parameters<typeof harness>[1]) {
  const h = await harness([quick], {
    inlineSleepMs: 0,
    callbacks: { attempts: 3, delayMs: 50, factor: 1 },
    ...options,
  });
  open.push(h);
  return h;
}

async function deliveryEnd(h: Harness, runId: string): Promise<RunRecord> {
  await expect
    .poll(async () => (await h.engine.store.journal(runId)).find((e) => e.seq === 0)?.value, {
      timeout: 10_000,
    })
    .toMatchObject({ delivery: expect.any(String) });
  const id = ((await h.engine.store.journal(runId)).find((e) => e.seq === 0)!.value as { delivery: string })
    .delivery;
  await expect
    .poll(async () => (await h.engine.store.getRun(id))?.status, { timeout: 10_000 })
    .toMatch(/^(completed|failed)$/);
  return (await h.engine.store.getRun(id))!;
}

describe("run callbacks under the egress policy", () => {
  it("refuses a metadata callbackUrl when the run starts, in dev too: 400 naming callbackUrl, no run", async () => {
    const h = await start({});
    const client = testClient(createGateway(h.node));
    const res = await client.post("/flows/quick/runs", {
      callbackUrl: "http://169.254.169.254/latest/meta-data/",
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: {
        code: "TESSERA_VALIDATION",
        details: {
          issues: [
            {
              path: "callbackUrl",
              message:
                "refused by the egress policy: 169.254.169.254 is a cloud metadata address: refused unless egress.cidrs lists that address",
            },
          ],
        },
      },
    });
    expect(await h.engine.store.listRuns({ limit: 10 })).toEqual([]);
    await expect(
      h.engine.startRun(quick, undefined as never, { callbackUrl: "http://[::ffff:a9fe:a9fe]/" }),
    ).rejects.toMatchObject({ code: "TESSERA_VALIDATION" });
  });

  it("refuses a loopback callbackUrl when private addresses are refused (outside dev)", async () => {
    const h = await start({ egress: { privateAddresses: false } });
    await expect(
      h.engine.startRun(quick, undefined as never, { callbackUrl: `http://0x7f000001:${port}/done` }),
    ).rejects.toThrow("invalid callbackUrl: refused by the egress policy: 127.0.0.1 is a loopback address");
  });

  it("checks a name again at delivery: one resolving to loopback outside dev fails the delivery once, with nothing sent", async () => {
    const h = await start({
      egress: { privateAddresses: false, resolve: async () => [{ address: "127.0.0.1", family: 4 }] },
    });
    const { run } = await h.engine.startRun(quick, undefined as never, {
      callbackUrl: `http://hooks.invalid:${port}/done`,
    });
    const end = await deliveryEnd(h, run.id);
    expect(end.status).toBe("failed");
    expect(end.error?.message).toContain("hooks.invalid resolves to 127.0.0.1 is a loopback address");
    const attempts = (await h.engine.store.journal(end.id)).filter((e) => e.name.startsWith("attempt "));
    expect(attempts).toHaveLength(1);
    expect(received).toEqual([]);
  });

  it("masks a callback URL's credentials in the run's history and in its delivery run's input", async () => {
    const h = await start({});
    const client = testClient(createGateway(h.node));
    const { run } = await h.engine.startRun(quick, undefined as never, {
      callbackUrl: `http://hook:s3cret-pass@127.0.0.1:${port}/done?token=s3cret-token`,
    });
    const end = await deliveryEnd(h, run.id);
    expect(end.status).toBe("completed");
    const shown = [await client.get(`/flows/runs/${run.id}`), await client.get(`/flows/runs/${end.id}`)];
    expect(JSON.stringify(shown[0]?.body)).toContain(`http://hook:***@127.0.0.1:${port}/done?token=***`);
    expect(shown[1]?.body).toMatchObject({
      input: { url: `http://hook:***@127.0.0.1:${port}/done?token=***` },
    });
    for (const res of shown) expect(JSON.stringify(res.body)).not.toContain("s3cret");
  });

  it("does not follow a callback's redirect: the 307 fails the delivery, not tried again", async () => {
    status = 307;
    const h = await start({});
    const { run } = await h.engine.startRun(quick, undefined as never, {
      callbackUrl: `http://127.0.0.1:${port}/done`,
    });
    const end = await deliveryEnd(h, run.id);
    expect(end.status).toBe("failed");
    expect(end.error?.message).toContain("answered 307");
    expect(received).toEqual(["/done"]);
  });
});
