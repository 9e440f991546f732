import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

function tesserae(...argv: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...argv], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (c: string) => {
    stderr += c;
  });
  return { child, stderr: () => stderr };
}

const config = ["--config", "test/cli/fixtures/ticker/tesserae.config.ts", "--port", "0"];

describe("tesserae start with a main-mode service", () => {
  it("merges --key value into its config, runs setup then the loop, and its SIGTERM handler before shutdown", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "tesserae-ticker-")), "out.log");
    const read = () => {
      try {
        return readFileSync(out, "utf8");
      } catch {
        return "";
      }
    };
    const { child, stderr } = tesserae("start", ...config, "--count", "5", "--out", out);
    await vi.waitFor(() => expect(read()).toContain("produced 5"), { timeout: 20_000, interval: 50 });
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const [code] = await exited;
    expect(code, stderr()).toBe(0);
    expect(read().split("\n").filter(Boolean)).toEqual(["setup", "produced 5", "SIGTERM seq=5"]);
  }, 30_000);

  it("refuses an extra option that no main-mode service takes, naming those it takes", async () => {
    const { child, stderr } = tesserae("start", ...config, "--rate", "5");
    const [code] = await once(child, "exit");
    expect(code).toBe(1);
    expect(stderr()).toContain(
      // Extra options reach every service since issue 18 (not only main-mode ones).
      "unknown option --rate: the services take --count (ticker), --out (ticker)",
    );
  }, 30_000);
});
