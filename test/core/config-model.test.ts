import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import { configEnvName, resolveConfig } from "../../src/core/config.js";
import {
  configModel,
  createNode,
  entry,
  event,
  service,
  silentLogger,
  subscribe,
  TesseraError,
} from "../../src/index.js";
import { captureLogger, useNodes } from "./fixtures.js";

const textConfig = configModel({
  apiKey: { schema: z.string().min(8), secret: true, description: "Key of the upstream API" },
  prefix: { schema: z.string(), default: "" },
  maxLength: { schema: z.number().int().positive(), default: 1000 },
  debug: z.boolean().optional(),
  tags: z.array(z.string()).default([]),
});

const text = service("text", {
  config: textConfig,
  entries: {
    upper: entry({ input: z.object({ message: z.string() }) }, ({ message }, ctx) => {
      const config = ctx.config(textConfig);
      expectTypeOf(config).toEqualTypeOf<{
        readonly apiKey: string;
        readonly prefix: string;
        readonly maxLength: number;
        readonly debug: boolean | undefined;
        readonly tags: string[];
      }>();
      return { message: `${config.prefix}${message.toUpperCase()}`.slice(0, config.maxLength) };
    }),
  },
});

const billingConfig = configModel({ currency: z.enum(["EUR", "USD"]), rate: z.number() });
const billing = service("billing", {
  config: billingConfig,
  entries: { rate: entry((_input, ctx) => ctx.config(billingConfig)) },
});

// A default of the wrong type does not compile (and is refused at run time: see
// definition-mistakes-are-coded.test.ts).
const _wrongDefault = () =>
  // @ts-expect-error the default must fit the schema
  configModel({ port: { schema: z.number(), default: "80" } });

const good = { TEXT_API_KEY: "12345678", BILLING_CURRENCY: "EUR", BILLING_RATE: "0.2" };

describe("service config models", () => {
  const start = useNodes();

  it("name each key's environment variable after the service and the key", () => {
    expect(configEnvName("text", "apiKey")).toBe("TEXT_API_KEY");
    expect(configEnvName("order-book", "maxURLLength")).toBe("ORDER_BOOK_MAX_URL_LENGTH");
  });

  it("give handlers typed values: strings as given, other types parsed from JSON, defaults filled in", async () => {
    const node = await start({
      services: [text, billing],
      env: { ...good, TEXT_PREFIX: ">", TEXT_MAX_LENGTH: "4", TEXT_DEBUG: "true", TEXT_TAGS: '["a"]' },
    });
    expect(await node.call(text.entries.upper, { message: "hello" })).toEqual({ message: ">HEL" });
    expect(node.config(textConfig)).toEqual({
      apiKey: "12345678",
      prefix: ">",
      maxLength: 4,
      debug: true,
      tags: ["a"],
    });
    expect(await node.call(billing.entries.rate)).toEqual({ currency: "EUR", rate: 0.2 });
  });

  it("report every missing or ill-typed key of every service at once, before the node starts", async () => {
    const node = createNode({
      services: [text, billing],
      transport: memoryTransport(),
      logger: silentLogger,
      env: { TEXT_MAX_LENGTH: "-3", TEXT_DEBUG: "yes", BILLING_CURRENCY: "GBP" },
    });
    const err = await node.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe("TESSERA_CONFIG");
    const lines = (err as TesseraError).message.split("\n");
    expect(lines[0]).toBe("invalid configuration, 5 problems:");
    expect(lines).toContain("  text.apiKey: required, not set (env TEXT_API_KEY)");
    expect(lines.find((l) => l.startsWith("  text.maxLength:"))).toMatch(
      /too small.*\(env TEXT_MAX_LENGTH\)$/i,
    );
    expect(lines.find((l) => l.startsWith("  text.debug:"))).toContain("(env TEXT_DEBUG)");
    expect(lines.find((l) => l.startsWith("  billing.currency:"))).toContain("(env BILLING_CURRENCY)");
    expect(lines).toContain("  billing.rate: required, not set (env BILLING_RATE)");
    expect(node.status).toBe("created");
  });

  it("never show a secret's value, even when it is invalid", () => {
    const { issues, keys } = resolveConfig([text], { TEXT_API_KEY: "short-1" });
    expect(issues).toEqual([
      {
        path: "text.apiKey",
        env: "TEXT_API_KEY",
        message: "invalid value (secret, not shown)",
        from: "env TEXT_API_KEY",
      },
    ]);
    const ok = resolveConfig([text], { TEXT_API_KEY: "long-enough-secret" });
    expect(ok.keys.find((k) => k.path === "text.apiKey")).toMatchObject({
      secret: true,
      source: "env",
      value: undefined,
    });
    expect(JSON.stringify(keys)).not.toContain("short-1");
    expect(JSON.stringify(ok.keys)).not.toContain("long-enough-secret");
  });

  it("let `service.key` (from --set) win over the environment variable, and treat empty as unset", () => {
    const { values } = resolveConfig([text], {
      ...good,
      TEXT_PREFIX: "env",
      "text.prefix": "set",
      TEXT_MAX_LENGTH: "",
    });
    expect(values.get("text")).toMatchObject({ prefix: "set", maxLength: 1000 });
  });

  // Regression: `tesserae config` showed a schema's `.default(5000)` as coming from `unset`.
  it("report a schema's own default as a default, and a key left unset as unset", () => {
    const model = configModel({
      limit: z.number().default(5000),
      label: z.string().optional(),
      region: { schema: z.string(), default: "eu" },
    });
    const svc = service("svc", { config: model, entries: {} });
    const shown = resolveConfig([svc], {}).keys.map(({ path, source, value }) => ({ path, source, value }));
    expect(shown).toEqual([
      { path: "svc.limit", source: "default", value: 5000 },
      { path: "svc.label", source: "unset", value: undefined },
      { path: "svc.region", source: "default", value: "eu" },
    ]);
  });

  it("read the key named by `env` when a key has one", () => {
    const shared = configModel({ token: { schema: z.string(), env: "SHARED_TOKEN" } });
    const svc = service("svc", { config: shared, entries: {} });
    expect(resolveConfig([svc], { SHARED_TOKEN: "t", SVC_TOKEN: "no" }).values.get("svc")).toEqual({
      token: "t",
    });
  });

  it("serve config to event handlers too", async () => {
    const ping = event("pinged", z.object({ n: z.number() }));
    const seen: string[] = [];
    const listener = service("listener", {
      config: configModel({ label: z.string() }),
      on: {
        ping: subscribe(
          ping,
          (_e, ctx) => void seen.push(String(ctx.config(listener.options.config!).label)),
        ),
      },
    });
    const node = await start({ services: [listener], env: { LISTENER_LABEL: "L" } });
    await node.emit(ping, { n: 1 });
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(["L"]);
  });

  it("refuse a model the service does not declare", async () => {
    const { logger } = captureLogger();
    const other = service("other", { entries: { peek: entry((_i, ctx) => ctx.config(textConfig)) } });
    const node = await start({ services: [other], logger });
    await expect(node.call(other.entries.peek)).rejects.toMatchObject({
      code: "TESSERA_DEFINITION",
      message: expect.stringContaining(
        'other.peek reads a config model that service "other" does not declare',
      ),
    });
    expect(() => node.config(textConfig)).toThrow("no service of this node declares this config model");
  });

  it("resolve lazily for a node that was never started (tests calling entries directly)", async () => {
    const node = createNode({
      services: [text],
      transport: memoryTransport(),
      logger: silentLogger,
      env: good,
    });
    expect(await node.call(text.entries.upper, { message: "a" })).toEqual({ message: "A" });
  });
});
