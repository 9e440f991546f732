import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { account } from "../../examples/accounts/model.js";
import { postgresEventStore } from "../../src/adapters/postgres/index.js";
import { sqliteEventStore } from "../../src/adapters/sqlite/index.js";
import { type EventStore, eventSourcing } from "../../src/features/eventsourcing/index.js";
import { dropSchema, newPool, PG_URL, postgresAvailable, testSchema } from "../support/postgres.js";

// SIGKILL at the worst moments: during an async projection, and between an append and its publication.

const dir = mkdtempSync(join(tmpdir(), "tesserae-es-crash-"));
const pgUp = await postgresAvailable();
const pool = newPool(4);
const children = new Set<ChildProcess>();
afterEach(() => {
  for (const c of children) c.kill("SIGKILL");
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await pool.end();
});

interface Worker {
  readonly child: ChildProcess;
  readonly ready: Record<string, string>;
  readonly lines: string[];
  kill(): Promise<void>;
}

function worker(mode: string, storeUrl: string): Promise<Worker> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/e2e/fixtures/es-worker.ts"], {
    env: { ...process.env, MODE: mode, STORE: storeUrl, PG_URL },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const lines: string[] = [];
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => {
    err += c;
  });
  return new Promise((resolve, reject) => {
    let buffer = "";
    child.once("exit", (code, signal) =>
      reject(new Error(`worker ${mode} exited (${signal ?? code})\n${err}`)),
    );
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk;
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (line.startsWith("READY ")) {
          resolve({
            child,
            lines,
            ready: JSON.parse(line.slice(6)) as Record<string, string>,
            kill: async () => {
              if (child.exitCode !== null || child.signalCode !== null) return;
              const exited = once(child, "exit");
              child.kill("SIGKILL");
              await exited;
            },
          });
        }
      }
    });
  });
}

interface Target {
  readonly url: string;
  open(): EventStore;
  cleanup(): Promise<void>;
}

const targets: [string, boolean, () => Promise<Target>][] = [
  [
    "sqlite",
    false,
    async () => {
      const file = join(dir, `${Math.random().toString(36).slice(2)}.db`);
      return {
        url: `sqlite:${file}`,
        open: () => sqliteEventStore({ database: new Database(file) }),
        cleanup: async () => {},
      };
    },
  ],
  [
    "postgres",
    !pgUp,
    async () => {
      const schema = testSchema("es_crash", Math.floor(Math.random() * 1e6));
      await dropSchema(pool, schema);
      return {
        url: `postgres:${schema}`,
        open: () => postgresEventStore({ pool, schema }),
        cleanup: () => dropSchema(pool, schema),
      };
    },
  ],
];

const waitFor = <T>(check: () => Promise<T> | T, timeout = 20_000) =>
  vi.waitFor(check, { timeout, interval: 25 });

describe.each(targets)("crash recovery on %s", (_name, skip, makeTarget) => {
  it.skipIf(skip)(
    "resumes an async projection killed mid-way from its checkpoint, applying no event twice",
    async () => {
      const target = await makeTarget();
      const store = target.open();
      const total = 400;
      for (let i = 0; i < total / 4; i++) {
        await store.append(
          `account-${i % 10}`,
          Array.from({ length: 4 }, () => ({ type: "deposited", data: { amount: 1 } })),
        );
      }
      const first = await worker("project", target.url);
      const checkpoint = () => store.loadCheckpoint("projection:applied");
      await waitFor(async () => expect(await checkpoint()).toBeGreaterThan(0));
      await first.kill();
      const at = await checkpoint();
      expect(at).toBeLessThan(total);
      // What the checkpoint says was applied is exactly what the read model holds.
      expect((await store.findDocuments("applied")).length).toBe(at);

      const second = await worker("project", target.url);
      await waitFor(async () => expect(await checkpoint()).toBe(await store.headPosition()));
      await second.kill();
      const docs = await store.findDocuments<{ n: number }>("applied");
      expect(docs).toHaveLength(total);
      expect(docs.filter((d) => d.doc.n !== 1)).toEqual([]);
      await store.close();
      await target.cleanup();
    },
    60_000,
  );

  it.skipIf(skip)(
    "publishes after a restart the events of a process killed between append and publish",
    async () => {
      const target = await makeTarget();
      const store = target.open();
      const writer = await worker("command", target.url);
      const id = writer.ready.id!;
      await waitFor(() => expect(writer.lines).toContain("PUBLISHING"));
      await writer.kill();
      // Committed, not yet published.
      expect(await store.streamVersion(`account-${id}`)).toBe(2);
      expect(await store.outboxSize()).toBe(4);

      const relay = await worker("relay", target.url);
      await waitFor(() => expect(relay.lines.filter((l) => l.startsWith("EVENT "))).toHaveLength(4));
      const events = relay.lines
        .filter((l) => l.startsWith("EVENT "))
        .map((l) => {
          const [, name, json] = /^EVENT (\S+) (.*)$/.exec(l)!;
          return { name, payload: JSON.parse(json!) as { eventId: string; aggregateId: string } };
        });
      expect(events.map((e) => e.name).sort()).toEqual([
        "AccountCreated",
        "AccountDeposited",
        "AccountOpened",
        "AccountUpdated",
      ]);
      expect(events.every((e) => e.payload.aggregateId === id)).toBe(true);
      const stored = await store.readStream(`account-${id}`);
      expect(events.find((e) => e.name === "AccountDeposited")!.payload.eventId).toBe(stored[1]!.id);
      await waitFor(async () => expect(await store.outboxSize()).toBe(0));
      await relay.kill();
      // The read model was written with the events, before the crash.
      const es = eventSourcing({ store });
      expect((await es.repository(account).get(id)).state.balance).toBe(7);
      expect(await store.getDocument("accounts", id)).toMatchObject({ balance: 7, version: 2 });
      await store.close();
      await target.cleanup();
    },
    60_000,
  );
});
