// Durable events across processes on a private nats-server with JetStream: a subscriber that is
// down gets what was published meanwhile, a failing handler is redelivered, a poison event ends
// on the dead-letter subject, a publication is deduplicated by its id.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { natsTransport } from "../../src/adapters/nats/index.js";
import { deadLetterHeaders } from "../../src/core/durable-streams.js";
import { subjects } from "../../src/core/subjects.js";
import type { TransportMessage } from "../../src/core/transport-message.js";
import { createNode, silentLogger, type TesseraNode } from "../../src/index.js";
import { PrivateNatsServer } from "../support/nats-server.js";
import { killAll, startProcess } from "../support/processes.js";
import { natsServerInstalled } from "../support/servers.js";
import { textAudited } from "./fixtures/audit.js";

interface Delivery {
  readonly id: string;
  readonly n: number;
  readonly pid: number;
  readonly ok: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.runIf(await natsServerInstalled())("durable events over JetStream (multi-process)", () => {
  let broker: PrivateNatsServer;
  let publisher: TesseraNode;
  let dir: string;

  beforeAll(async () => {
    broker = await PrivateNatsServer.start();
    dir = mkdtempSync(join(tmpdir(), "tesserae-audit-"));
    publisher = createNode({
      services: [],
      transport: natsTransport({ servers: broker.url }),
      logger: silentLogger,
    });
    await publisher.start();
  });
  afterAll(async () => {
    await killAll();
    await publisher?.stop();
    await broker?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers after a subscriber restart, redelivers a failing handler, dead-letters poison, deduplicates", {
    timeout: 60_000,
  }, async () => {
    const log = join(dir, "audit.log");
    const deliveries = (): Delivery[] => {
      try {
        return readFileSync(log, "utf8")
          .split("\n")
          .filter((l) => l !== "")
          .map((l) => JSON.parse(l) as Delivery);
      } catch {
        return [];
      }
    };
    const env = { NATS_URL: broker.url, RUN: "audit", AUDIT_LOG: log, NODE_ID: "audit-1" };

    // The subscriber's first start creates its durable consumer; then it dies.
    const first = await startProcess("node.ts", env);
    await first.kill("SIGKILL");

    const dead: TransportMessage[] = [];
    await publisher.transport.subscribe(subjects.deadLetter("audit", "record"), {}, (msg) => {
      dead.push(msg);
    });
    await publisher.emit(textAudited, { id: "ok-1", mode: "ok" }, { id: "ok-1" });
    await publisher.emit(textAudited, { id: "ok-1", mode: "ok" }, { id: "ok-1" }); // a duplicate
    await publisher.emit(textAudited, { id: "flaky-1", mode: "flaky" }, { id: "flaky-1" });
    await publisher.emit(textAudited, { id: "poison-1", mode: "poison" }, { id: "poison-1" });
    await sleep(300);
    expect(deliveries()).toEqual([]);

    const second = await startProcess("node.ts", env);
    const of = (id: string) => deliveries().filter((d) => d.id === id);
    await vi.waitFor(
      () => {
        expect(of("ok-1")).toHaveLength(1);
        expect(of("flaky-1").map((d) => d.ok)).toEqual([false, false, true]);
        expect(of("poison-1").map((d) => d.ok)).toEqual([false, false, false]);
        expect(dead).toHaveLength(1);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(deliveries().every((d) => d.pid === second.child.pid)).toBe(true);
    const letter = dead[0]!;
    expect(JSON.parse(new TextDecoder().decode(letter.data))).toEqual({ id: "poison-1", mode: "poison" });
    expect(letter.headers[deadLetterHeaders.subject]).toBe(subjects.event("text.audited"));
    expect(letter.headers[deadLetterHeaders.deliveries]).toBe("3");
    expect(letter.headers[deadLetterHeaders.error]).toContain("poison event poison-1 fails");
    // Acknowledged once: nothing comes again.
    await sleep(1000);
    expect(of("ok-1")).toHaveLength(1);
    expect(of("flaky-1")).toHaveLength(3);
    expect(of("poison-1")).toHaveLength(3);
    expect(dead).toHaveLength(1);
  });
});
