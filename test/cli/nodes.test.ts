import { afterEach, describe, expect, it } from "vitest";
import { pipeline, text } from "../../examples/text/services.js";
import { createMemoryBus, memoryTransport } from "../../src/adapters/memory/index.js";
import { discovery } from "../../src/features/discovery/index.js";
import { createNode, type RunningServer, serve, silentLogger } from "../../src/index.js";
import { runCliCaptured } from "../support/cli.js";

// `tesserae nodes --url` and the refusals of `nodes` and `start --services`, in-process; the real
// processes on NATS are in test/e2e/cli-distributed.e2e.test.ts.

const cli = (...argv: string[]) => runCliCaptured([...argv, "--config", "examples/guide/tesserae.config.ts"]);

const saved = { ...process.env };
let server: RunningServer | undefined;
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  await Promise.all(stops.splice(0).map((stop) => stop()));
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe("tesserae nodes", () => {
  it("--url prints the topology a running gateway knows, aligned, or as JSON", async () => {
    const bus = createMemoryBus();
    const worker = createNode({
      id: "worker-1",
      services: [text, pipeline],
      run: ["text"],
      transport: memoryTransport({ bus }),
      logger: silentLogger,
      plugins: [discovery({ heartbeatMs: 50 })],
      version: "2.0.0",
    });
    await worker.start();
    stops.push(() => worker.stop());
    const gw = createNode({
      id: "gw",
      services: [text, pipeline],
      run: [],
      transport: memoryTransport({ bus }),
      logger: silentLogger,
      plugins: [discovery({ heartbeatMs: 50 })],
      version: "2.0.0",
    });
    server = await serve(gw, { port: 0 });
    await expect.poll(() => gw.topology().nodes.length).toBe(1);

    const { code, stdout, stderr } = await cli("nodes", "--url", server.url);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NODE\s+HOST\s+PID\s+VERSION\s+STAGE\s+SERVICES\s+READY\s+LOAD\s+LAST SEEN$/);
    // The node asked first, then the nodes it knows; host and last seen left out.
    const cells = lines.slice(1).map((l) => l.split(/\s{2,}/).filter((_, i) => i !== 1 && i !== 8));
    expect(cells).toEqual([
      ["gw", String(process.pid), "2.0.0", "dev", "none (gateway)", "yes", "0 / 0"],
      ["worker-1", String(process.pid), "2.0.0", "dev", "text", "yes", "0 / 0"],
    ]);
    // Every column starts at the same place on every line.
    const starts = (line: string) => [...line.matchAll(/(?<=\s\s)\S/g)].map((m) => m.index);
    expect(new Set(lines.map((l) => starts(l).slice(0, 8).join(","))).size).toBe(1);
    expect(stderr).toBe(`2 nodes on ${server.url}\n`);

    const json = JSON.parse((await cli("nodes", "--url", server.url, "--json")).stdout) as { id: string }[];
    expect(json.map((n) => n.id)).toEqual(["gw", "worker-1"]);
  });

  it("refuses the memory transport, which no other process shares", async () => {
    const { code, stderr } = await cli("nodes");
    expect(code).toBe(1);
    expect(stderr).toBe(
      "tesserae: the memory transport does not reach other processes: give --transport nats://host:port, or --url of a running node\n",
    );
  });
});

describe("tesserae start --services", () => {
  it("refuses an unknown service in one line that lists the project's services", async () => {
    const { code, stderr } = await cli("start", "--services", "text,txt", "--port", "0");
    expect(code).toBe(1);
    expect(stderr).toBe(
      'tesserae: --services: unknown service "txt" (the project\'s services are text, pipeline, translate; none makes a gateway node)\n',
    );
  });
});
