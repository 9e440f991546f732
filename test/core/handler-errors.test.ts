import { describe, expect, it } from "vitest";
import { z } from "zod";
import { entry } from "../../src/core/entry.js";
import { TesseraError } from "../../src/core/errors.js";
import { service } from "../../src/core/service.js";
import { captureLogger, createMemoryBus, failsWith, useNodes } from "./fixtures.js";

const secret = "postgres://admin:hunter2@db";

const faulty = service("faulty", {
  entries: {
    crash: entry(() => {
      throw new Error(`cannot connect to ${secret}`);
    }),
    crashLater: entry(async () => {
      await Promise.resolve();
      throw new TypeError(`bad ${secret}`);
    }),
    conflict: entry(() => {
      throw TesseraError.conflict("already shipped", { state: "shipped" });
    }),
    badOutput: entry({ output: z.object({ count: z.number() }) }, () => ({ count: "three" }) as never),
    stripped: entry({ output: z.object({ id: z.number() }) }, () => ({ id: 1, password: secret }) as never),
    strict: entry(
      { input: z.object({ name: z.string().min(1), age: z.number().int(), tags: z.array(z.string()) }) },
      (input) => input,
    ),
  },
});

describe.each([
  ["a local call", false],
  ["a remote call", true],
])("handler failures seen by %s", (_where, remote) => {
  const startNode = useNodes();

  async function setup() {
    const capture = captureLogger();
    const bus = createMemoryBus();
    const host = await startNode({ bus, services: [faulty], logger: capture.logger });
    const caller = remote ? await startNode({ bus, services: [] }) : host;
    return { caller, lines: capture.lines };
  }

  it.each(["crash", "crashLater"] as const)(
    "%s: a plain Error becomes TESSERA_INTERNAL, its message logged but never returned",
    async (name) => {
      const { caller, lines } = await setup();
      const err = await failsWith(caller.call(faulty.entries[name]), "TESSERA_INTERNAL");
      expect(err.message).toBe("internal error");
      expect(err.details).toBeUndefined();
      expect(JSON.stringify(err.toJSON())).not.toContain("hunter2");
      if (remote) expect(err.cause).toBeUndefined();
      const logged = lines.find((l) => l.level === "error" && l.msg === `faulty.${name} failed`);
      expect(JSON.stringify(logged)).toContain("hunter2");
      expect(JSON.stringify(logged)).toContain("stack");
    },
  );

  it("passes a TesseraError through with its code, message and details", async () => {
    const { caller } = await setup();
    const err = await failsWith(caller.call(faulty.entries.conflict), "TESSERA_CONFLICT");
    expect(err.toJSON()).toEqual({
      code: "TESSERA_CONFLICT",
      message: "already shipped",
      details: { state: "shipped" },
    });
  });

  it("turns a result that fails the output schema into TESSERA_INTERNAL", async () => {
    const { caller, lines } = await setup();
    const err = await failsWith(caller.call(faulty.entries.badOutput), "TESSERA_INTERNAL");
    expect(err.message).toBe("internal error");
    expect(JSON.stringify(lines)).toContain("faulty.badOutput returned a value that fails its output schema");
  });

  it("strips what the output schema does not declare", async () => {
    const { caller } = await setup();
    expect(await caller.call(faulty.entries.stripped)).toEqual({ id: 1 });
  });

  it("refuses an invalid input with TESSERA_VALIDATION naming every field", async () => {
    const { caller } = await setup();
    const err = await failsWith(
      caller.call(faulty.entries.strict, { name: "", age: 1.5, tags: ["ok", 3] } as never),
      "TESSERA_VALIDATION",
    );
    const paths = (err.details as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(paths).toEqual(["name", "age", "tags.1"]);
    expect(err.message).toContain("name");
  });

  it("refuses a missing input with TESSERA_VALIDATION", async () => {
    const { caller } = await setup();
    await failsWith(caller.call(faulty.entries.strict, undefined as never), "TESSERA_VALIDATION");
  });
});
