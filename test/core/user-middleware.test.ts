import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Middleware } from "../../src/core/context.js";
import { entry } from "../../src/core/entry.js";
import { TesseraError } from "../../src/core/errors.js";
import { service } from "../../src/core/service.js";
import { failsWith, gate, useNodes, waitFor } from "./fixtures.js";

/** A middleware that logs when it enters and leaves. */
const tracer =
  (name: string, log: string[]): Middleware =>
  async (_call, next) => {
    log.push(`${name}>`);
    try {
      return await next();
    } finally {
      log.push(`<${name}`);
    }
  };

describe("user middleware", () => {
  const startNode = useNodes();

  it("runs the service's middleware, then the entry's, around the handler", async () => {
    const log: string[] = [];
    const svc = service("mw", {
      middleware: [tracer("svc1", log), tracer("svc2", log)],
      entries: {
        run: entry({ middleware: [tracer("entry1", log), tracer("entry2", log)] }, () => {
          log.push("handler");
          return "ok";
        }),
        plain: entry(() => {
          log.push("plain");
        }),
      },
    });
    const node = await startNode({ services: [svc] });
    expect(await node.call(svc.entries.run)).toBe("ok");
    expect(log).toEqual([
      "svc1>",
      "svc2>",
      "entry1>",
      "entry2>",
      "handler",
      "<entry2",
      "<entry1",
      "<svc2",
      "<svc1",
    ]);
    log.length = 0;
    await node.call(svc.entries.plain);
    expect(log).toEqual(["svc1>", "svc2>", "plain", "<svc2", "<svc1"]);
  });

  it("sees the target, the context and the raw input before validation, and may change it", async () => {
    const seen: unknown[] = [];
    const normalise: Middleware = (call, next) => {
      seen.push({ target: call.target, input: call.input, requestId: call.ctx.requestId });
      call.input = { name: String((call.input as { name: unknown }).name).trim() };
      return next();
    };
    const svc = service("greet", {
      entries: {
        hello: entry(
          { input: z.object({ name: z.string().min(1) }), middleware: [normalise] },
          ({ name }) => `hi ${name}`,
        ),
      },
    });
    const node = await startNode({ services: [svc] });
    expect(await node.call(svc.entries.hello, { name: "  ann " }, { requestId: "r-1" })).toBe("hi ann");
    expect(seen).toEqual([{ target: "greet.hello", input: { name: "  ann " }, requestId: "r-1" }]);
    await failsWith(node.call(svc.entries.hello, { name: "   " }), "TESSERA_VALIDATION");
  });

  it("may answer without calling next, or refuse with a TesseraError", async () => {
    let ran = 0;
    const cache: Middleware = async (call, next) =>
      (call.input as { id: number }).id === 1 ? "cached" : next();
    const guard: Middleware = async (call, next) => {
      if (call.ctx.identity?.sub !== "admin") throw TesseraError.forbidden("admins only");
      return next();
    };
    const svc = service("guarded", {
      middleware: [guard],
      entries: {
        read: entry({ input: z.object({ id: z.number() }), middleware: [cache] }, ({ id }) => {
          ran++;
          return `fresh ${id}`;
        }),
      },
    });
    const node = await startNode({ services: [svc] });
    const admin = { identity: { sub: "admin" } };
    expect(await node.call(svc.entries.read, { id: 1 }, admin)).toBe("cached");
    expect(await node.call(svc.entries.read, { id: 2 }, admin)).toBe("fresh 2");
    expect(ran).toBe(1);
    await failsWith(
      node.call(svc.entries.read, { id: 2 }, { identity: { sub: "eve" } }),
      "TESSERA_FORBIDDEN",
    );
    expect(ran).toBe(1);
  });

  it("turns a plain Error thrown by a middleware into TESSERA_INTERNAL", async () => {
    const broken: Middleware = () => {
      throw new Error("middleware bug");
    };
    const svc = service("broken", { middleware: [broken], entries: { run: entry(() => "never") } });
    const node = await startNode({ services: [svc] });
    const err = await failsWith(node.call(svc.entries.run), "TESSERA_INTERNAL");
    expect(err.message).toBe("internal error");
  });

  it("runs inside retry: each attempt goes through the middleware", async () => {
    let attempts = 0;
    const log: string[] = [];
    const svc = service("retried", {
      middleware: [tracer("mw", log)],
      entries: {
        run: entry({ retry: { attempts: 3, baseDelayMs: 1 } }, () => {
          attempts++;
          if (attempts < 3) throw TesseraError.unavailable("try again");
          return "ok";
        }),
      },
    });
    const node = await startNode({ services: [svc] });
    expect(await node.call(svc.entries.run)).toBe("ok");
    expect(log).toEqual(["mw>", "<mw", "mw>", "<mw", "mw>", "<mw"]);
  });

  it("runs inside the bulkhead: a refused call never reaches the middleware", async () => {
    const log: string[] = [];
    const release = gate();
    const svc = service("limited", {
      middleware: [tracer("mw", log)],
      entries: {
        run: entry({ bulkhead: { concurrency: 1 } }, async () => {
          await release.opened;
          return "ok";
        }),
      },
    });
    const node = await startNode({ services: [svc] });
    const first = node.call(svc.entries.run);
    await waitFor(() => expect(log).toEqual(["mw>"]));
    await failsWith(node.call(svc.entries.run), "TESSERA_OVERLOADED");
    expect(log).toEqual(["mw>"]);
    release.open();
    expect(await first).toBe("ok");
    expect(log).toEqual(["mw>", "<mw"]);
  });
});
