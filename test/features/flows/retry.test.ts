import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { flow } from "../../../src/features/flows/index.js";
import { entry, service, TesseraError } from "../../../src/index.js";
import { type Harness, harness } from "./fixtures.js";

// Retry policies of steps and calls: how many attempts, and which codes are retried (`on`).

const codes = ["TESSERA_UNAVAILABLE", "TESSERA_CONFLICT", "TESSERA_INTERNAL"] as const;
type Code = (typeof codes)[number];

const raise = (code: Code): never => {
  if (code === "TESSERA_INTERNAL") throw new Error("a plain error");
  throw new TesseraError(code, `failing with ${code}`);
};

/** The request ids each call of `shaky.fail` was made with, one per attempt. */
const attempts: string[] = [];
const shaky = service("shaky", {
  entries: {
    // Fails `times` times with `code` for a request id, then answers.
    fail: entry({ input: z.object({ times: z.number(), code: z.enum(codes) }) }, ({ times, code }, ctx) => {
      attempts.push(ctx.requestId);
      if (attempts.filter((id) => id === ctx.requestId).length <= times) raise(code);
      return { ok: true };
    }),
  },
});

const Failing = z.object({ times: z.number(), code: z.enum(codes), on: z.array(z.enum(codes)).optional() });

const calling = flow("calling", { input: Failing }, async (ctx, { times, code, on }) =>
  ctx.call(
    shaky.entries.fail,
    { times, code },
    { retry: { attempts: 3, baseDelayMs: 1, ...(on === undefined ? {} : { on }) } },
  ),
);

let stepAttempts = 0;
const stepping = flow("stepping", { input: Failing }, async (ctx, { times, code, on }) =>
  ctx.step(
    "shaky",
    ({ attempt }) => {
      stepAttempts++;
      if (attempt <= times) raise(code);
      return attempt;
    },
    { retry: { attempts: 5, baseDelayMs: 1, ...(on === undefined ? {} : { on }) } },
  ),
);

/** No retry on the step: the flow's `retry` is its default. */
const defaulted = flow(
  "defaulted",
  { input: Failing, retry: { attempts: 4, baseDelayMs: 1, on: ["TESSERA_UNAVAILABLE"] } },
  async (ctx, { times, code }) =>
    ctx.step("shaky", ({ attempt }) => {
      stepAttempts++;
      if (attempt <= times) raise(code);
      return attempt;
    }),
);

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.stop()));
  attempts.length = 0;
  stepAttempts = 0;
});
const start = async () => {
  const h = await harness([calling, stepping, defaulted], {}, undefined, [shaky]);
  open.push(h);
  return h.engine;
};

describe("retry policy of a step", () => {
  it("retries a code listed in `on` until the step succeeds", async () => {
    const engine = await start();
    const out = await engine.execute(stepping, {
      times: 2,
      code: "TESSERA_UNAVAILABLE",
      on: ["TESSERA_UNAVAILABLE"],
    });
    expect(out).toBe(3);
    expect(stepAttempts).toBe(3);
  });

  it("does not retry a code outside `on`: one attempt, the run fails with that code", async () => {
    const engine = await start();
    await expect(
      engine.execute(stepping, { times: 1, code: "TESSERA_CONFLICT", on: ["TESSERA_UNAVAILABLE"] }),
    ).rejects.toMatchObject({ code: "TESSERA_CONFLICT" });
    expect(stepAttempts).toBe(1);
    // A plain error is TESSERA_INTERNAL: not listed, not retried either.
    await expect(
      engine.execute(stepping, { times: 1, code: "TESSERA_INTERNAL", on: ["TESSERA_UNAVAILABLE"] }),
    ).rejects.toMatchObject({ code: "TESSERA_INTERNAL" });
    expect(stepAttempts).toBe(2);
    const [run] = await engine.store.listRuns({ flow: "stepping", status: "failed", limit: 1 });
    expect((await engine.store.journal(run!.id)).map((e) => `${e.kind} ${e.name} ${e.state}`)).toEqual([
      "step shaky error",
    ]);
  });

  it("retries any error of a step when `on` is not given", async () => {
    const engine = await start();
    expect(await engine.execute(stepping, { times: 2, code: "TESSERA_CONFLICT" })).toBe(3);
    expect(stepAttempts).toBe(3);
  });

  it("takes the flow's retry policy, `on` included, when the step has none", async () => {
    const engine = await start();
    expect(await engine.execute(defaulted, { times: 3, code: "TESSERA_UNAVAILABLE" })).toBe(4);
    expect(stepAttempts).toBe(4);
    await expect(engine.execute(defaulted, { times: 1, code: "TESSERA_CONFLICT" })).rejects.toMatchObject({
      code: "TESSERA_CONFLICT",
    });
    expect(stepAttempts).toBe(5);
  });
});

describe("retry policy of ctx.call", () => {
  it("retries a retryable code with the same request id, and journals every attempt", async () => {
    const engine = await start();
    const { run } = await engine.startRun(calling, { times: 2, code: "TESSERA_UNAVAILABLE" });
    expect((await engine.awaitRun(run.id, 5000)).output).toEqual({ ok: true });
    // Every attempt carries `<runId>:<seq>`, so that the callee can recognise a repeated call.
    expect(attempts).toEqual([`${run.id}:1`, `${run.id}:1`, `${run.id}:1`]);
    expect(
      (await engine.store.journal(run.id)).map((e) => `${e.seq} ${e.kind} ${e.name} ${e.state}`),
    ).toEqual(["1 call shaky.fail error", "2 call shaky.fail error", "3 call shaky.fail ok"]);
  });

  it("does not retry a code that is not retryable when `on` is not given", async () => {
    const engine = await start();
    await expect(engine.execute(calling, { times: 1, code: "TESSERA_CONFLICT" })).rejects.toMatchObject({
      code: "TESSERA_CONFLICT",
    });
    expect(attempts).toHaveLength(1);
  });

  it("retries exactly the codes listed in `on`", async () => {
    const engine = await start();
    const listed = await engine.execute(calling, {
      times: 1,
      code: "TESSERA_CONFLICT",
      on: ["TESSERA_CONFLICT"],
    });
    expect(listed).toEqual({ ok: true });
    expect(attempts).toHaveLength(2);
    // Retryable by the catalogue, but not listed: `on` replaces the default.
    await expect(
      engine.execute(calling, { times: 1, code: "TESSERA_UNAVAILABLE", on: ["TESSERA_CONFLICT"] }),
    ).rejects.toMatchObject({ code: "TESSERA_UNAVAILABLE" });
    expect(attempts).toHaveLength(3);
  });

  it("gives up after `attempts` and journals the last error", async () => {
    const engine = await start();
    const { run } = await engine.startRun(calling, { times: 5, code: "TESSERA_UNAVAILABLE" });
    const end = await engine.awaitRun(run.id, 5000);
    expect(end).toMatchObject({ status: "failed", error: { code: "TESSERA_UNAVAILABLE" } });
    expect(attempts).toHaveLength(3);
  });
});
