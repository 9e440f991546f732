import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { banner, projectSummary } from "../../src/cli/banner.js";
import { colorsFor } from "../../src/cli/output.js";
import { loadProject } from "../../src/config/load-project.js";
import { runCliCaptured } from "../support/cli.js";
import { NATS_URL, requireServer } from "../support/servers.js";

// Issue 15 follow-up, item 2: `tesserae config` says it "shows each value with its layer", but showed
// neither the system name, the NATS credentials, the flow engine, JetStream, projection lease, egress
// nor management settings; the start banner and `nodes` did not show the system name.

const dir = mkdtempSync(join(tmpdir(), "tesserae-config-"));
writeFileSync(
  join(dir, "tesserae.config.mjs"),
  `export default {
  name: "cfg",
  services: [],
  system: "shop",
  flows: [],
  declaredFlows: {},
  flowEngine: { leaseMs: 8000 },
  jetstream: { ackWaitMs: 60000 },
  eventSourcing: { services: () => [], projectionLease: { leaseMs: 7000 } },
  stages: { dev: {}, prod: { nats: { user: "app" }, egress: { hosts: ["billing.internal"] } } },
};
`,
);
writeFileSync(join(dir, ".env.prod"), "TESSERA_FLOWS_POLL_MS=250\n");
const setKeys = [
  "TESSERA_SYSTEM",
  "TESSERA_NATS_PASS",
  "TESSERA_JETSTREAM_REPLICAS",
  "TESSERA_FLOWS_POLL_MS",
];
// The CLI copies the merged settings into process.env (as `tesserae start` does).
afterEach(() => {
  for (const k of setKeys) delete process.env[k];
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (...argv: string[]) =>
  runCliCaptured(["config", "--config", join(dir, "tesserae.config.mjs"), ...argv]);

/** The row of a setting in the printed table, its cells split on the column gaps. */
function row(stdout: string, setting: string): string[] {
  const line = stdout.split("\n").find((l) => l.startsWith(`${setting} `));
  expect(line, `no row for ${setting}`).toBeDefined();
  return line!.split(/\s{2,}/);
}

describe("tesserae config shows every setting with its layer (issue 15 follow-up, item 2)", () => {
  it("the system name, NATS credentials masked, flow engine, JetStream, projection lease, egress and management, each with where it came from", async () => {
    const { code, stdout } = await config(
      "--stage",
      "prod",
      "--transport",
      "nats://127.0.0.1:4222",
      "--set",
      "TESSERA_NATS_PASS=s3cr3t-Pa55",
      "--set",
      "TESSERA_JETSTREAM_REPLICAS=3",
    );
    expect(code).toBe(0);
    expect(row(stdout, "system")).toEqual(["system", "TESSERA_SYSTEM", "shop", "project file"]);
    expect(row(stdout, "nats.user")).toEqual(["nats.user", "TESSERA_NATS_USER", "app", "stage prod"]);
    expect(row(stdout, "nats.pass")).toEqual(["nats.pass", "TESSERA_NATS_PASS", "***", "--set"]);
    expect(stdout).not.toContain("s3cr3t-Pa55");
    expect(row(stdout, "nats.credsFile").slice(2)).toEqual(["unset", "default"]);
    expect(row(stdout, "nats.connectTimeoutMs").slice(2)).toEqual(["default 5000", "default"]);
    expect(row(stdout, "jetstream.replicas").slice(2)).toEqual(["3", "--set"]);
    expect(row(stdout, "jetstream.ackWaitMs").slice(2)).toEqual(["60000", "project file"]);
    expect(row(stdout, "flowEngine.leaseMs").slice(2)).toEqual(["8000", "project file"]);
    expect(row(stdout, "flowEngine.pollMs")).toEqual([
      "flowEngine.pollMs",
      "TESSERA_FLOWS_POLL_MS",
      "250",
      ".env.prod",
    ]);
    expect(row(stdout, "eventSourcing.projectionLease.leaseMs").slice(2)).toEqual(["7000", "project file"]);
    expect(row(stdout, "egress.hosts").slice(2)).toEqual(['["billing.internal"]', "stage prod"]);
    expect(row(stdout, "management.token")[0]).toBe("management.token");
  });

  it("--json lists them too, and the environment wins over the project file", async () => {
    const { code, stdout } = await config("--json", "--set", "TESSERA_SYSTEM=billing");
    expect(code).toBe(0);
    const shown = JSON.parse(stdout) as {
      settings: { system: string };
      layers: { setting: string; env: string; value?: unknown; from: string }[];
    };
    expect(shown.settings.system).toBe("billing");
    expect(shown.layers.find((r) => r.setting === "system")).toEqual({
      setting: "system",
      env: "TESSERA_SYSTEM",
      value: "billing",
      from: "--set",
    });
    expect(shown.layers.find((r) => r.setting === "flowEngine.leaseMs")).toMatchObject({
      value: 8000,
      from: "project file",
    });
  });

  it("the start banner shows the system name", async () => {
    const project = await loadProject({ config: join(dir, "tesserae.config.mjs"), processEnv: {} });
    const text = banner(colorsFor({}, {}), projectSummary(project, []), "http://127.0.0.1:3000");
    expect(text.split("\n")[0]).toBe(
      "cfg · stage dev · system shop · transport memory · store sqlite:.tesserae/dev.db",
    );
  });
});

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("tesserae nodes (issue 15 follow-up, item 2)", () => {
    it("names the system it listened in", async () => {
      const { code, stderr } = await runCliCaptured([
        "nodes",
        "--config",
        join(dir, "tesserae.config.mjs"),
        "--transport",
        NATS_URL,
        "--wait",
        "300",
      ]);
      expect(code).toBe(0);
      expect(stderr).toContain(`on ${NATS_URL} (system shop)`);
    });
  });
}
