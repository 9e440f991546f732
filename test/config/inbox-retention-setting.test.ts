// Issue 17 follow-up (b): the node option `inboxRetentionMs` had no project-file field nor
// variable and `tesserae config` did not show it, while "Running in production" said to size the
// inbox table by it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { INBOX_RETENTION_ENV, resolveInboxRetention } from "../../src/config/inbox-settings.js";
import { loadProject } from "../../src/config/load-project.js";
import { createProjectNode } from "../../src/config/project-node.js";
import { createLogger } from "../../src/core/logger.js";
import { runCliCaptured } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "tesserae-inbox-retention-"));
const file = join(dir, "tesserae.config.mjs");
writeFileSync(
  file,
  `export default {
  name: "keep",
  services: [],
  inboxRetentionMs: 3600000,
  stages: { dev: {}, prod: { inboxRetentionMs: 600000 } },
};
`,
);
afterEach(() => {
  delete process.env[INBOX_RETENTION_ENV];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("inboxRetentionMs in a project", () => {
  it("comes from TESSERA_INBOX_RETENTION_MS, else the stage's field, else the project file's", () => {
    expect(resolveInboxRetention({ [INBOX_RETENTION_ENV]: "5000" }, "prod", 600_000, 3_600_000)).toEqual({
      ms: 5000,
      from: INBOX_RETENTION_ENV,
    });
    expect(resolveInboxRetention({}, "prod", 600_000, 3_600_000)).toEqual({
      ms: 600_000,
      from: "stages.prod.inboxRetentionMs",
    });
    expect(resolveInboxRetention({ [INBOX_RETENTION_ENV]: "" }, "dev", undefined, 3_600_000)).toEqual({
      ms: 3_600_000,
      from: "inboxRetentionMs",
    });
    expect(resolveInboxRetention({}, "dev", undefined, undefined)).toEqual({});
  });

  it("a value that is not a positive whole number of milliseconds is refused, naming where it was set", () => {
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err as { code: string; message: string };
      }
      throw new Error("not refused");
    };
    for (const bad of ["24h", "0", "-5", "1.5", " "]) {
      const err = refusal(() => resolveInboxRetention({ [INBOX_RETENTION_ENV]: bad }, "dev", 1, 1));
      expect(err.code, bad).toBe("TESSERA_CONFIG");
      expect(err.message, bad).toMatch(/^TESSERA_INBOX_RETENTION_MS: /);
    }
    expect(refusal(() => resolveInboxRetention({}, "prod", "600000x", undefined)).message).toMatch(
      /^stages\.prod\.inboxRetentionMs: "600000x" is not/,
    );
    expect(refusal(() => resolveInboxRetention({}, "dev", undefined, 0)).message).toMatch(
      /^inboxRetentionMs: /,
    );
  });

  it("reaches the project's node (stage prod: the stage's; dev: the project file's; the variable wins)", async () => {
    const logger = createLogger({ level: "silent" });
    const prod = await loadProject({ config: file, stage: "prod", processEnv: {} });
    expect((await createProjectNode(prod, logger)).inboxRetentionMs).toBe(600_000);
    const dev = await loadProject({ config: file, processEnv: {} });
    expect((await createProjectNode(dev, logger)).inboxRetentionMs).toBe(3_600_000);
    const env = await loadProject({ config: file, processEnv: { [INBOX_RETENTION_ENV]: "120000" } });
    expect((await createProjectNode(env, logger)).inboxRetentionMs).toBe(120_000);
  });

  it("tesserae config shows it with its layer", async () => {
    const run = (...argv: string[]) => runCliCaptured(["config", "--config", file, "--json", ...argv]);
    const rowOf = (stdout: string) =>
      (JSON.parse(stdout) as { layers: { setting: string }[] }).layers.find(
        (r) => r.setting === "inboxRetentionMs",
      );
    expect(rowOf((await run("--stage", "prod")).stdout)).toEqual({
      setting: "inboxRetentionMs",
      env: INBOX_RETENTION_ENV,
      value: 600_000,
      from: "stage prod",
    });
    expect(rowOf((await run("--set", `${INBOX_RETENTION_ENV}=90000`)).stdout)).toMatchObject({
      value: 90_000,
      from: "--set",
    });
  });
});
