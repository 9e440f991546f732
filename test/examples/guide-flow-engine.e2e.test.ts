// examples/guide/flow-engine.ts run as a main module, as the README's "Running flows" shows it. An
// outside user found it listening, then dying 3 s later with `TesseraError: fetch failed` (exit 1):
// its top-level `flows.execute(onboard, …)` called the placeholder https://accounts.example.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("the guide's flow engine as a main module", { timeout: 60_000 }, () => {
  it("no longer crashes on a placeholder URL: it runs a flow from code, serves, and stops 0 on SIGTERM", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "examples/guide/flow-engine.ts"], {
      cwd: root,
      env: { ...process.env, PORT: String(port), DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await expect.poll(() => stdout, { timeout: 40_000, interval: 100 }).toContain("greeted");
      // Still serving after the run from code: the flows API answers with the guide's flows.
      const res = await fetch(`http://127.0.0.1:${port}/flows`);
      expect(res.status).toBe(200);
      const names = ((await res.json()) as { name: string }[]).map((f) => f.name);
      expect(names).toEqual(expect.arrayContaining(["onboard", "nightly", "fulfil"]));
      expect(child.exitCode).toBeNull();
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).not.toContain("fetch failed");
    } finally {
      child.kill("SIGKILL");
    }
  });
});
