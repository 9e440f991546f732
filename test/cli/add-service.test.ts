import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import { registerService } from "../../src/cli/register-service.js";
import { createGateway, createNode, type ServiceDef } from "../../src/index.js";
import { testClient } from "../../src/testing/index.js";
import { runCliCaptured } from "../support/cli.js";
import { repoRoot } from "./support/offline-install.js";

// `tesserae add service` in-process on a copy of the service template. The generated module is
// imported here (vitest maps `tesserae` to the sources; zod comes from the repository through a
// link), so its code runs; templates.e2e.test.ts runs its test with npm in an installed project.

const work = mkdtempSync(join(tmpdir(), "tesserae-add-"));
let project = "";
let count = 0;

/** A fresh project: the service template's files, zod reachable from it. */
function newProject(): string {
  const dir = join(work, `p${++count}`);
  cpSync(join(repoRoot, "templates/service"), dir, { recursive: true });
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  return dir;
}

const cli = (cwd: string, ...argv: string[]) => runCliCaptured(argv, cwd);

const read = (file: string) => readFileSync(join(project, file), "utf8");

beforeEach(() => {
  project = newProject();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("tesserae add service", () => {
  it("writes the service and its test, and registers it in the project file", async () => {
    const res = await cli(project, "add", "service", "orders");
    expect(res).toMatchObject({ code: 0, stderr: "" });
    expect(res.stdout).toContain("created src/orders.ts and test/orders.test.ts");
    expect(res.stdout).toContain("registered orders in tesserae.config.ts: POST /orders/echo");
    expect(read("tesserae.config.ts")).toContain(
      'import { greeter } from "./src/greeter.js";\nimport { orders } from "./src/orders.js";\n',
    );
    expect(read("tesserae.config.ts")).toContain("services: [greeter, orders],");
    expect(read("test/orders.test.ts")).toContain('import { orders } from "../src/orders.js";');
    // The generated service runs: its entry answers over the gateway.
    const { orders } = (await import(join(project, "src/orders.ts"))) as { orders: ServiceDef };
    const client = testClient(
      createGateway(createNode({ services: [orders], transport: memoryTransport() })),
    );
    expect((await client.post("/orders/echo", { message: "hi" })).body).toEqual({ message: "hi" });
    expect((await client.post("/orders/echo", { message: "" })).status).toBe(400);
  });

  it("takes kebab-case or camelCase: order-book is the service, orderBook its variable", async () => {
    expect((await cli(project, "add", "service", "order-book")).code).toBe(0);
    expect((await cli(project, "add", "service", "stockLevels")).code).toBe(0);
    expect(read("src/order-book.ts")).toContain('export const orderBook = service("order-book", {');
    expect(read("src/stock-levels.ts")).toContain('export const stockLevels = service("stock-levels", {');
    expect(read("tesserae.config.ts")).toContain("services: [greeter, orderBook, stockLevels],");
  });

  it("runs from a subfolder with --config, writing next to the project file", async () => {
    mkdirSync(join(project, "docs"));
    const res = await cli(
      join(project, "docs"),
      "add",
      "service",
      "billing",
      "--config",
      "../tesserae.config.ts",
    );
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("created ../src/billing.ts and ../test/billing.test.ts");
    expect(existsSync(join(project, "src/billing.ts"))).toBe(true);
  });

  it("refuses outside a project, in one line", async () => {
    const empty = join(work, "empty");
    mkdirSync(empty, { recursive: true });
    const res = await cli(empty, "add", "service", "orders");
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      `tesserae: not in a tesserae project: no tesserae.config.ts in ${empty} (run this in the project's folder, or pass --config <file>)\n`,
    );
    expect(existsSync(join(empty, "src"))).toBe(false);
  });

  it("refuses a name that is not kebab-case or camelCase, or cannot name a variable", async () => {
    for (const name of ["Orders", "1orders", "order_book", "order--book", "order-", "ördres"]) {
      const res = await cli(project, "add", "service", name);
      expect(res.code, name).toBe(1);
      expect(res.stderr, name).toBe(
        `tesserae: "${name}" is not a service name: use lower-case letters and digits, words joined by "-" (order-book) or in camelCase (orderBook)\n`,
      );
    }
    expect((await cli(project, "add", "service", "delete")).stderr).toBe(
      'tesserae: "delete" cannot name a variable in TypeScript: choose another name\n',
    );
    expect((await cli(project, "add", "service", "flows")).stderr).toBe(
      'tesserae: "flows" is the name of a service Tesserae adds itself: choose another name\n',
    );
    expect(read("tesserae.config.ts")).toBe(
      readFileSync(join(repoRoot, "templates/service/tesserae.config.ts"), "utf8"),
    );
  });

  it("refuses a service whose file exists, and leaves the project as it was", async () => {
    expect((await cli(project, "add", "service", "orders")).code).toBe(0);
    const before = read("tesserae.config.ts");
    const again = await cli(project, "add", "service", "orders");
    expect(again).toMatchObject({
      code: 1,
      stderr: "tesserae: src/orders.ts already exists: choose another name\n",
    });
    const greeter = await cli(project, "add", "service", "greeter");
    expect(greeter.stderr).toBe("tesserae: src/greeter.ts already exists: choose another name\n");
    expect(read("tesserae.config.ts")).toBe(before);
  });

  it("refuses a variable the project file already has", async () => {
    writeFileSync(
      join(project, "tesserae.config.ts"),
      read("tesserae.config.ts").replace(
        'import { defineConfig } from "tesserae";',
        'import { defineConfig } from "tesserae";\nimport { audit } from "./lib/audit.js";',
      ),
    );
    expect((await cli(project, "add", "service", "audit")).stderr).toBe(
      "tesserae: tesserae.config.ts already declares audit: choose another name\n",
    );
  });

  it("writes the files but says what to add by hand when the project file has no services: [", async () => {
    writeFileSync(
      join(project, "tesserae.config.ts"),
      'import { defineConfig } from "tesserae";\nimport { all } from "./src/all.js";\n\nexport default defineConfig({ services: all });\n',
    );
    const res = await cli(project, "add", "service", "orders");
    expect(res.code).toBe(1);
    expect(res.stderr).toBe(
      'tesserae: wrote src/orders.ts and test/orders.test.ts, but found no `services: [` in tesserae.config.ts: add by hand `import { orders } from "./src/orders.js";` and orders to its services\n',
    );
    expect(existsSync(join(project, "src/orders.ts"))).toBe(true);
  });

  it("explains its usage: --help, a missing or unknown kind, a missing name", async () => {
    const help = await cli(project, "add", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: tesserae add service <name>");
    expect(help.stdout).toMatch(/Examples:\n {2}tesserae add service orders\n/);
    expect((await cli(project, "add")).stderr).toBe("tesserae: add what? tesserae add service <name>\n");
    expect((await cli(project, "add", "flow", "x")).stderr).toBe(
      'tesserae: cannot add "flow": tesserae add service <name>\n',
    );
    expect((await cli(project, "add", "service")).stderr).toBe(
      "tesserae: which name? tesserae add service <name>\n",
    );
    expect((await cli(project, "add", "service", "a", "b")).stderr).toBe("tesserae: unexpected argument b\n");
  });
});

describe("registerService", () => {
  const entry = { identifier: "orders", importFrom: "./src/orders.js", modulePath: "./src/orders.ts" };

  it("appends to a list written one item per line, in its indentation", () => {
    const text = 'import { a } from "./a.js";\n\nexport default {\n  services: [\n    a,\n    b\n  ],\n};\n';
    expect(registerService(text, entry)).toBe(
      'import { a } from "./a.js";\nimport { orders } from "./src/orders.js";\n\nexport default {\n  services: [\n    a,\n    b,\n    orders,\n  ],\n};\n',
    );
  });

  it("fills an empty list, and ignores brackets in strings and comments", () => {
    expect(registerService("export default { services: [] };", entry)).toBe(
      'import { orders } from "./src/orders.js";\nexport default { services: [orders] };',
    );
    const tricky = '// services: [nope]\nexport default { services: [a /* ] */, b("]")] };';
    expect(registerService(tricky, entry)).toContain('services: [a /* ] */, b("]"), orders] };');
  });

  it("appends a module path when the list names modules, without an import", () => {
    expect(registerService("export default { services: ['./src/a.ts'] };", entry)).toBe(
      "export default { services: ['./src/a.ts', './src/orders.ts'] };",
    );
  });

  it("imports after the last import, even one written over several lines", () => {
    const text = 'import {\n  a,\n  b,\n} from "./ab.js";\n\nexport default { services: [a, b] };\n';
    expect(registerService(text, entry)).toBe(
      'import {\n  a,\n  b,\n} from "./ab.js";\nimport { orders } from "./src/orders.js";\n\nexport default { services: [a, b, orders] };\n',
    );
  });

  it("gives undefined when there is no services: [ list", () => {
    expect(registerService("export default { services: all };", entry)).toBeUndefined();
    expect(registerService("export default { services: [a, b };", entry)).toBeUndefined();
  });
});
