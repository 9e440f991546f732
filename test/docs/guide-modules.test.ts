import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// Guide snippets import definitions from one another; a module that starts a server or a node
// when imported would start it in every importer (regression: the snippets imported `hello` from
// quick-start.ts, which listened on port 3000 and installed signal handlers). Definitions live in
// modules that start nothing; main modules start and export nothing.

const dir = new URL("../../examples/guide/", import.meta.url);
const modules = readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .map((file) => ({ file, source: readFileSync(new URL(file, dir), "utf8") }));
const starts = (source: string) => /^await (serve\(|node\.start\()/m.test(source);
const exports = (source: string) => /^export /m.test(source);

const servers = () => process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length;
const signalListeners = () => process.listenerCount("SIGINT") + process.listenerCount("SIGTERM");

describe("the guide's modules", () => {
  it("main modules (they start a server or a node) export nothing", () => {
    const mains = modules.filter((m) => starts(m.source));
    expect(mains.map((m) => m.file)).toContain("quick-start.ts");
    expect(mains.filter((m) => exports(m.source)).map((m) => m.file)).toEqual([]);
  });

  it("modules that export definitions start nothing when imported", async () => {
    const [serversBefore, listenersBefore] = [servers(), signalListeners()];
    const libraries = modules.filter((m) => exports(m.source));
    expect(libraries.map((m) => m.file)).toEqual(
      expect.arrayContaining(["hello.ts", "flows.ts", "testing.ts"]),
    );
    for (const { file } of libraries) await import(new URL(file, dir).href);
    expect([servers(), signalListeners()]).toEqual([serversBefore, listenersBefore]);
  });

  it("run: the testing snippet greets through the gateway and the typed call", async () => {
    const { checkGreeting } = (await import(new URL("testing.ts", dir).href)) as {
      checkGreeting: () => Promise<void>;
    };
    await expect(checkGreeting()).resolves.toBeUndefined();
  });
});
