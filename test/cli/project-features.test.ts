import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { loadProject } from "../../src/config/load-project.js";
import { createProjectNode } from "../../src/config/project-node.js";
import { silentLogger } from "../../src/core/logger.js";
import { runCliCaptured } from "../support/cli.js";

// `routes` and `call` on the example project, whose file declares flows, declared flows and event
// sourcing: they see every service `tesserae start` runs, not only the project's own (regression:
// `routes` listed 4 of the 34 routes and `call accounts.post` answered "unknown entry").

const config = "examples/text/tesserae.config.ts";
const tmp = mkdtempSync(join(tmpdir(), "tesserae-project-features-"));

const cli = (...argv: string[]) => runCliCaptured([...argv, "--config", config]);

// A project's settings are copied into process.env, as a real run does: undo it after each test.
const saved = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("the CLI on a project with features", () => {
  it("lists every route that start serves, the features' included", async () => {
    const { code, stdout } = await cli("routes", "--json");
    expect(code).toBe(0);
    const listed = (JSON.parse(stdout) as { method: string; path: string }[]).map(
      (r) => `${r.method} ${r.path}`,
    );
    const node = await createProjectNode(await loadProject({ config, store: "memory" }), silentLogger);
    expect(listed).toEqual(node.routes.map((r) => `${r.method} ${r.path}`));
    expect(listed).toHaveLength(35);
    expect(listed).toEqual(
      expect.arrayContaining([
        "GET /flows",
        "POST /flows/prune",
        "POST /w",
        "POST /e/:workflowId",
        "POST /accounts",
        "GET /accounts/:id",
      ]),
    );
  });

  it("lists them without opening the stage's store", async () => {
    const file = join(tmp, "untouched", "dev.db");
    expect((await cli("routes", "--store", `sqlite:${file}`)).code).toBe(0);
    expect(existsSync(join(tmp, "untouched"))).toBe(false);
  });

  it("calls a feature's entry in-process, on the stage's store (its folder created)", async () => {
    const store = `sqlite:${join(tmp, "nested", "folder", "dev.db")}`;
    const created = await cli("call", "accounts.post", '{"owner":"Ada"}', "--store", store);
    expect(created).toMatchObject({ code: 0, stderr: "" });
    const { id } = JSON.parse(created.stdout) as { id: string };
    await cli("call", "accounts.deposit", JSON.stringify({ id, amount: 5 }), "--store", store);
    const read = await cli("call", "accounts.get", JSON.stringify({ id }), "--store", store);
    expect(JSON.parse(read.stdout)).toMatchObject({ id, owner: "Ada", balance: 5 });
    const flows = await cli("call", "flows.list", "--store", store);
    expect((JSON.parse(flows.stdout) as { name: string }[]).map((f) => f.name)).toContain("text-pipeline");
  });

  it("names the features' entries when the entry is unknown", async () => {
    const { code, stderr } = await cli("call", "accounts.nope", "{}", "--store", "memory");
    expect(code).toBe(1);
    expect(stderr).toContain("unknown entry accounts.nope");
    expect(stderr).toContain("accounts.post");
  });
});
