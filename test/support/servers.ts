import { createConnection } from "node:net";
import { it } from "vitest";

/** True when something accepts TCP connections on host:port within `timeoutMs`. */
export function reachable(port: number, host = "127.0.0.1", timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** The shared NATS server of the machine (see shared/SERVERS.md). */
export const NATS_URL = process.env.TESSERA_TEST_NATS ?? "nats://127.0.0.1:4222";

/**
 * Whether the integration tests of a server can run. When the server is unreachable, the suite
 * says so and skips them, except under `CI=true`, where a test fails in their place.
 */
export async function requireServer(name: string, port: number): Promise<boolean> {
  if (await reachable(port)) return true;
  const notice = `${name} is unreachable on 127.0.0.1:${port}: its integration tests are skipped`;
  if (process.env.CI === "true") {
    it(`${name} is reachable (required under CI=true)`, () => {
      throw new Error(`${notice.replace(": its integration tests are skipped", "")} and CI=true requires it`);
    });
  } else {
    console.warn(`NOTICE: ${notice} (start it as shared/SERVERS.md says)`);
    it.skip(`${name} integration tests (server unreachable)`, () => undefined);
  }
  return false;
}

/**
 * Whether the `nats-server` binary is there for the tests that run a private broker: when it is
 * not, they are skipped with a notice, except under `CI=true`, where a test fails in their place.
 */
export async function natsServerInstalled(): Promise<boolean> {
  const { spawnSync } = await import("node:child_process");
  if (spawnSync("nats-server", ["--version"]).status === 0) return true;
  const notice =
    "nats-server is not installed: the multi-process tests that run a private broker are skipped";
  if (process.env.CI === "true") {
    it("nats-server is installed (required under CI=true)", () => {
      throw new Error(`${notice} (apt-get install nats-server)`);
    });
  } else {
    console.warn(`NOTICE: ${notice}`);
  }
  return false;
}
