import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { loadProject } from "../../src/config/load-project.js";
import { createProjectNode } from "../../src/config/project-node.js";
import { silentLogger } from "../../src/core/logger.js";
import type { TesseraNode } from "../../src/core/node.js";
import { createGateway } from "../../src/features/gateway/index.js";
import { PG_URL, postgresAvailable } from "../support/postgres.js";

// Bug 7 of issue 17: a node whose every PostgreSQL query failed reported ready. Here the example
// project (flows, declared flows, event sourcing on one pool) reaches PostgreSQL through a TCP
// relay that the test cuts: /ready turns 503 naming each store by its masked URL, and 200 again
// once the relay is back.

/** A TCP relay to PostgreSQL on `port` (0: any); `cut()` closes it and every connection through it. */
async function relay(port = 0): Promise<{ port: number; cut(): Promise<void> }> {
  const target = new URL(PG_URL);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const readyOf = async (node: TesseraNode) => {
  const r = await createGateway(node).handle({ method: "GET", url: "/ready", headers: {} });
  return { status: r.status, body: JSON.parse(String(r.body)) as { checks: { stores?: unknown[] } } };
};

if (await postgresAvailable()) {
  describe("/ready on PostgreSQL (issue 17, bug 7)", () => {
    const cleanup: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const done of cleanup.splice(0).reverse()) await done().catch(() => undefined);
    });

    it("a node whose PostgreSQL stops answering reports 503 naming each store, then ready again", async () => {
      let link = await relay();
      const port = link.port;
      const url = `postgres://postgres:s3cret@127.0.0.1:${port}${new URL(PG_URL).pathname}?connectionTimeoutMillis=1000`;
      const project = await loadProject({
        config: "examples/text/tesserae.config.ts",
        store: url,
        processEnv: { ...process.env },
      });
      const node = await createProjectNode(project, silentLogger);
      await node.start();
      cleanup.push(
        () => link.cut(),
        () => node.stop(),
      );

      const up = await readyOf(node);
      expect(up.status).toBe(200);
      const target = `postgres://postgres:***@127.0.0.1:${port}${new URL(PG_URL).pathname}?connectionTimeoutMillis=1000`;
      // Each store the node uses (other checks, e.g. an inbox, may be listed too).
      expect(up.body.checks.stores).toEqual(
        expect.arrayContaining(
          ["flow store", "declared flow store", "event store"].map((name) => ({ name, target, ready: true })),
        ),
      );
      expect(JSON.stringify(up.body)).not.toContain("s3cret");

      await link.cut();
      await vi.waitFor(
        async () => {
          const down = await readyOf(node);
          expect(down.status).toBe(503);
          expect(down.body.checks.stores).toEqual(
            expect.arrayContaining(
              ["flow store", "declared flow store", "event store"].map((name) => ({
                name,
                target,
                ready: false,
                error: expect.any(String),
              })),
            ),
          );
        },
        { timeout: 10_000, interval: 200 },
      );

      link = await relay(port);
      await vi.waitFor(async () => expect((await readyOf(node)).status).toBe(200), {
        timeout: 10_000,
        interval: 200,
      });
    });
  });
}
