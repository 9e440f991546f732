// Issue 19, crash suite: broker restarts under load with durable events counted. One node process
// emits the durable event `text.audited` at a steady rate (fixtures/durable-emitter.ts, 100 a
// second, each with its own id, not waiting for the ones in flight); another consumes it
// (fixtures/node.ts running `audit`, which logs every handling). The private nats-server (JetStream,
// file store) is restarted twice under that load: once stopped (SIGTERM), once killed (SIGKILL).
// Then: every emit the broker acknowledged is handled (none lost), the handler ran once per id (the
// consumer inbox drops redeliveries: the README's "consumer inbox"), nothing is handled that was not
// emitted; an emit that failed may or may not have been stored (its fate is unknown, as the README
// says) and is only counted.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PrivateNatsServer } from "../support/nats-server.js";
import { killAll, startProcess } from "../support/processes.js";
import { natsServerInstalled } from "../support/servers.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The JSON lines of a log file (none while it does not exist; a line being written is left out). */
function lines<T>(file: string): T[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").flatMap((l) => {
    try {
      return l === "" ? [] : [JSON.parse(l) as T];
    } catch {
      return [];
    }
  });
}

interface Emit {
  readonly id: string;
  readonly ok: boolean;
  readonly code?: string;
}
interface Handled {
  readonly id: string;
  readonly ok: boolean;
}

describe.runIf(await natsServerInstalled())("durable events through broker restarts under load", () => {
  let broker: PrivateNatsServer;
  const dir = mkdtempSync(join(tmpdir(), "tesserae-broker-restart-"));
  const emits = join(dir, "emits.log");
  const handled = join(dir, "handled.log");

  beforeAll(async () => {
    broker = await PrivateNatsServer.start();
  });
  afterAll(async () => {
    await killAll();
    await broker?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("loses no acknowledged event and handles each once through a stop and a kill of nats-server", {
    timeout: 180_000,
  }, async () => {
    // The consumer first: its start creates the durable consumer, so nothing emitted is missed.
    const consumer = await startProcess(
      "node.ts",
      { NATS_URL: broker.url, RUN: "audit", AUDIT_LOG: handled, NODE_ID: "consumer" },
      60_000,
    );
    const emitter = await startProcess(
      "durable-emitter.ts",
      { NATS_URL: broker.url, EMIT_LOG: emits },
      60_000,
    );
    const acknowledged = () => lines<Emit>(emits).filter((e) => e.ok).length;
    await vi.waitFor(() => expect(acknowledged()).toBeGreaterThan(100), { timeout: 30_000, interval: 100 });

    const restarts: { how: string; ackedBefore: number; downMs: number; resumedAfterMs: number }[] = [];
    for (const how of ["SIGTERM", "SIGKILL"] as const) {
      await sleep(2000);
      const ackedBefore = acknowledged();
      const down = Date.now();
      if (how === "SIGKILL") process.kill(broker.pid!, "SIGKILL");
      await broker.stop();
      await sleep(1500);
      await broker.start();
      const up = Date.now();
      // Acknowledgements come again (the emits waiting through the outage, then new ones).
      await vi.waitFor(() => expect(acknowledged()).toBeGreaterThan(ackedBefore + 50), {
        timeout: 60_000,
        interval: 50,
      });
      restarts.push({ how, ackedBefore, downMs: up - down, resumedAfterMs: Date.now() - up });
    }
    await sleep(2000);
    // Stop emitting; the emits in flight settle before it exits.
    await emitter.kill("SIGTERM");

    const outcomes = lines<Emit>(emits);
    const acked = new Set(outcomes.filter((e) => e.ok).map((e) => e.id));
    const failed = outcomes.filter((e) => !e.ok);
    const started = new Set(outcomes.map((e) => e.id));
    // Every acknowledged event is handled, however long the redeliveries take.
    await vi.waitFor(
      () => {
        const seen = new Set(lines<Handled>(handled).map((h) => h.id));
        const missing = [...acked].filter((id) => !seen.has(id));
        expect(missing.length, `not handled yet: ${missing.slice(0, 10).join(", ")}`).toBe(0);
      },
      { timeout: 90_000, interval: 250 },
    );
    // Redeliveries (a handling whose acknowledgement the broker lost) come within the ack wait: give
    // the consumer a moment to show a duplicate, if it would run one.
    await sleep(2000);
    const handlings = lines<Handled>(handled);
    const ids = handlings.map((h) => h.id);
    const distinct = new Set(ids);
    const duplicates = ids.length - distinct.size;
    const failedHandled = failed.filter((e) => distinct.has(e.id)).length;
    const byCode = new Map<string, number>();
    for (const e of failed) byCode.set(e.code ?? "?", (byCode.get(e.code ?? "?") ?? 0) + 1);
    console.log(
      `broker restarts under load: ${started.size} emits started, ${acked.size} acknowledged, ${failed.length} failed` +
        `${failed.length === 0 ? "" : ` (${[...byCode].map(([c, n]) => `${c}: ${n}`).join(", ")}; ${failedHandled} of them handled all the same)`}; ` +
        `${distinct.size} handled, ${duplicates} handled twice, ${[...acked].filter((id) => !distinct.has(id)).length} lost; ` +
        restarts
          .map(
            (r) =>
              `${r.how}: down ${r.downMs} ms, acknowledgements again ${r.resumedAfterMs} ms after the restart`,
          )
          .join("; "),
    );

    expect(acked.size).toBeGreaterThan(500);
    expect([...acked].filter((id) => !distinct.has(id))).toEqual([]);
    expect(duplicates, "the consumer inbox drops a redelivered id").toBe(0);
    expect([...distinct].filter((id) => !started.has(id))).toEqual([]);
    expect(handlings.every((h) => h.ok)).toBe(true);
    expect(consumer.child.exitCode, consumer.stderr()).toBeNull();
  });
});
