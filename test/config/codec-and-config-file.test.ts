import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { loadProject } from "../../src/config/load-project.js";
import { createProjectNode } from "../../src/config/project-node.js";
import { readServiceConfigFile } from "../../src/config/service-config-file.js";
import { richJsonCodec } from "../../src/core/codec.js";
import { configModel } from "../../src/core/config.js";
import { silentLogger } from "../../src/core/logger.js";
import type { TesseraNode } from "../../src/core/node.js";
import { service } from "../../src/core/service.js";
import { Decimal, decimal } from "../../src/features/decimal/index.js";

// A project of its own under .tesserae/ (git ignores it) so that its modules resolve zod.
const root = resolve(".tesserae", `codec-config-${process.pid}`);
const src = resolve("src");
mkdirSync(root, { recursive: true });
writeFileSync(
  join(root, "services.ts"),
  `import { z } from "zod";
import { configModel, service, decimal } from "${src}/index.js";
import { mainLoop } from "${src}/features/main-mode/index.js";
import { holds, owns, state } from "${src}/features/states/index.js";

export const ticks = state("dated-ticks", z.object({ at: z.date().optional(), big: z.bigint().optional(), px: decimal().optional() }), { initial: {} });
export const feedConfig = configModel({ rate: z.number().int().positive(), step: { schema: decimal(), default: "0.01" } });
export const feed = service("feed", {
  config: feedConfig,
  uses: [owns(ticks), mainLoop(async (ctx) => {
    const { step } = ctx.config(feedConfig);
    await ctx.use(ticks).set({ at: new Date(Date.UTC(2026, 0, 2)), big: 2n ** 64n, px: step.times(3) });
  })],
});
export const desk = service("desk", { uses: [holds(ticks)] });
`,
);
writeFileSync(
  join(root, "tesserae.config.ts"),
  `import { defineConfig } from "${src}/index.js";\nexport default defineConfig({ services: ["./services.ts"], codec: "rich-json" });\n`,
);

const saved = { ...process.env };
const nodes: TesseraNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()));
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function writeJson(name: string, value: unknown): string {
  const file = join(root, name);
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
}

describe("the codec of a project", () => {
  it("runs a state with a date, a big integer and a decimal under the project file's rich-json codec", async () => {
    const file = writeJson("feed.json", { rate: 5, feed: { step: "0.10" } });
    const project = await loadProject({ cwd: root, store: "memory", configFile: file });
    expect(project.settings.codec).toBe("rich-json");
    const node = await createProjectNode(project, silentLogger, { announce: true });
    nodes.push(node);
    expect(node.codec).toBe(richJsonCodec);
    await node.start();
    const mod = (await import(join(root, "services.ts"))) as typeof import("./codec-fixture-types.js");
    await vi.waitFor(() => expect(node.use(mod.ticks, "desk").value.at).toBeInstanceOf(Date), {
      timeout: 5000,
    });
    const copy = node.use(mod.ticks, "desk").value;
    expect(copy.at?.toISOString()).toBe("2026-01-02T00:00:00.000Z");
    expect(copy.big).toBe(2n ** 64n);
    expect(copy.px).toBeInstanceOf(Decimal);
    expect(copy.px?.toString()).toBe("0.3");
  });

  it("takes --codec over the project file, and refuses a name that is not a codec, naming where it came from", async () => {
    expect((await loadProject({ cwd: root, store: "memory", codec: "json" })).settings.codec).toBe("json");
    await expect(loadProject({ cwd: root, store: "memory", codec: "msgpack" })).rejects.toThrow(
      '--codec: "msgpack" is not a codec (json or rich-json)',
    );
    await expect(loadProject({ cwd: root, store: "memory", sets: ["TESSERA_CODEC=xml"] })).rejects.toThrow(
      /TESSERA_CODEC: "xml" is not a codec/,
    );
  });
});

describe("a config file (-c config.json)", () => {
  const ticker = service("ticker", {
    config: configModel({ rate: z.number().int().positive(), step: { schema: decimal(), default: "1" } }),
  });
  const trader = service("trader", {
    config: configModel({
      rate: z.number().int(),
      limit: z.string(),
      secretKey: { schema: z.string().min(8), secret: true },
    }),
  });

  it("gives a flat key to every service whose model has it, a section to its service", () => {
    const file = writeJson("ok.json", { rate: 10, trader: { limit: "x", rate: 3 } });
    expect(readServiceConfigFile(file, [ticker, trader])).toEqual({
      "ticker.rate": "10",
      "trader.rate": "3",
      "trader.limit": "x",
    });
  });

  it("refuses unknown keys and invalid values with every problem, naming the file and the field", () => {
    const file = writeJson("bad.json", { rate: -1, colour: "red", trader: { nope: 1, secretKey: "short" } });
    let message = "";
    try {
      readServiceConfigFile(file, [ticker, trader]);
    } catch (err) {
      expect((err as { code?: string }).code).toBe("TESSERA_CONFIG");
      message = (err as Error).message;
    }
    expect(message).toMatch(/^config file bad\.json: 4 problems:/);
    expect(message).toContain("colour: no service's config model has this key");
    expect(message).toContain("trader.nope: not a key of trader's config model");
    expect(message).toContain("ticker.rate: ");
    // -1 is a valid trader.rate (an int): only ticker's model refuses it.
    expect(message).not.toContain("trader.rate");
    expect(message).toContain("trader.secretKey: invalid value (secret, not shown)");
    expect(message).not.toContain("short");
  });

  it("says when the file is missing or not a JSON object", () => {
    expect(() => readServiceConfigFile(join(root, "none.json"), [ticker])).toThrow(/none\.json: not found/);
    expect(() => readServiceConfigFile(writeJson("list.json", "[1]"), [ticker])).toThrow(
      /expected a JSON object/,
    );
    expect(() => readServiceConfigFile(writeJson("broken.json", "{"), [ticker])).toThrow(/broken\.json: /);
  });

  it("is named by the project file or TESSERA_CONFIG_FILE, relative to the project; --set wins over it", async () => {
    writeJson("from-env.json", { rate: 7 });
    const project = await loadProject({
      cwd: root,
      store: "memory",
      sets: ["TESSERA_CONFIG_FILE=from-env.json", "feed.step=0.5"],
    });
    expect(project.settings.serviceConfig).toBe(join(root, "from-env.json"));
    const node = await createProjectNode(project, silentLogger);
    nodes.push(node);
    await node.start();
    const mod = (await import(join(root, "services.ts"))) as typeof import("./codec-fixture-types.js");
    const values = node.config(mod.feedConfig);
    expect(values.rate).toBe(7);
    expect(values.step.toString()).toBe("0.5");
  });
});
