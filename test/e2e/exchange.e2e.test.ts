// The seed's exchange example (examples/exchange) in four `tesserae start` processes — feed (main
// mode, owner of market_price and order_book), trader (holder, cancel_order replier), tape (trades
// subscriber, two topics), client (main mode, requester) — wired once by addresses.nats.json on a
// private nats-server and once by host:port endpoints (direct sockets, no broker). Each process is
// killed (SIGKILL) mid-feed and restarted, the broker too on NATS; the trader's copies must end on
// the final owner's epoch, number and value (the feed logs them when it has sent its count).
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import type { StateView } from "../../examples/exchange/model.js";
import { freePort, PrivateNatsServer } from "../support/nats-server.js";
import { natsServerInstalled } from "../support/servers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const example = join(root, "examples/exchange");
const dir = mkdtempSync(join(tmpdir(), "tesserae-exchange-"));
const children = new Set<ChildProcess>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
}

/** `tesserae start --services <service>` from source on the example, with the given addresses file. */
async function start(service: string, addresses: string, extra: readonly string[] = []): Promise<Proc> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", LOG_LEVEL: "info" };
  for (const key of Object.keys(env)) if (/^(PORT|TESSERA_.*)$/.test(key)) delete env[key];
  env.TESSERA_ADDRESSES = addresses;
  const args = [
    "--import",
    "tsx",
    "src/cli/main.ts",
    "start",
    "--config",
    join(example, "tesserae.config.ts"),
  ];
  const child = spawn(
    process.execPath,
    [...args, "--store", "memory", "--services", service, "--port", "0", "-c", "config.json", ...extra],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  children.add(child);
  child.once("exit", () => children.delete(child));
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  const url = await vi.waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`${service} exited:\n${out}`);
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m === null) throw new Error(`${service} not listening yet:\n${out.slice(-2000)}`);
      return m[1]!;
    },
    { timeout: 30_000, interval: 50 },
  );
  return { child, url, output: () => out };
}

async function kill9(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = once(p.child, "exit");
  p.child.kill("SIGKILL");
  await exited;
}

interface Done {
  readonly updates: number;
  readonly market_price: StateView;
  readonly order_book: StateView;
}

/** The feed's "feed done" line: what the owner holds once it has sent its count. */
function feedDone(feed: Proc): Done {
  const line = feed
    .output()
    .split("\n")
    .find((l) => l.includes('"msg":"feed done"'));
  if (line === undefined) throw new Error(`the feed is not done yet:\n${feed.output().slice(-1500)}`);
  return JSON.parse(line) as Done;
}

const getJson = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;

/** Kills and restarts every process mid-feed (and the broker, when there is one); checks convergence. */
async function scenario(addresses: string, broker?: PrivateNatsServer): Promise<void> {
  const on = broker === undefined ? [] : ["--transport", broker.url];
  const begin = (service: string, extra: readonly string[] = []) =>
    start(service, addresses, [...on, ...extra]);
  let [feed, trader, tape, client] = await Promise.all([
    begin("feed", ["--rate", "500", "--count", "0"]),
    begin("trader"),
    begin("tape"),
    begin("client"),
  ]);
  const view = () =>
    getJson<{ market_price: StateView; order_book: StateView; synced: boolean }>(`${trader.url}/trader/view`);
  await vi.waitFor(async () => expect((await view()).market_price.seq).toBeGreaterThan(200), {
    timeout: 15_000,
    interval: 100,
  });
  // Each holder, subscriber and requester killed mid-feed and restarted while the feed produces.
  await kill9(trader);
  trader = await begin("trader");
  await kill9(tape);
  tape = await begin("tape");
  await kill9(client);
  client = await begin("client");
  if (broker !== undefined) {
    const pid = broker.pid;
    if (pid !== undefined) process.kill(pid, "SIGKILL");
    await vi.waitFor(() => expect(broker.pid).toBeUndefined(), { timeout: 5000 });
    await sleep(1000);
    await broker.start();
  }
  await sleep(1000);
  // The owner killed mid-feed; its successor sends 1,500 updates more (3 s) and says what it holds.
  await kill9(feed);
  feed = await begin("feed", ["--rate", "500", "--count", "1500"]);
  const done = await vi.waitFor(() => feedDone(feed), { timeout: 30_000, interval: 200 });
  expect(done.updates).toBe(1500);
  await vi.waitFor(
    async () => {
      const v = await view();
      expect(v.synced).toBe(true);
      expect(v.market_price).toEqual(done.market_price);
      expect(v.order_book).toEqual(done.order_book);
    },
    { timeout: 15_000, interval: 200 },
  );
  // The tape takes only its topics; the restarted client was answered by the restarted trader.
  const counts = await getJson<Record<string, number>>(`${tape.url}/tape/counts`);
  expect(Object.keys(counts).sort()).toEqual(["AAPL", "MSFT"]);
  await vi.waitFor(() => expect(client.output()).toContain('"msg":"cancel_order answered"'), {
    timeout: 5000,
  });
  await Promise.all([feed, trader, tape, client].map(kill9));
}

afterEach(async () => {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(await natsServerInstalled())("the exchange example on NATS", () => {
  let broker: PrivateNatsServer | undefined;
  afterAll(async () => {
    await broker?.dispose();
  });

  it("survives kill -9 of each process and of the broker mid-feed: the trader ends on the owner's states", {
    timeout: 90_000,
  }, async () => {
    broker = await PrivateNatsServer.start();
    const file = join(dir, "addresses.nats.json");
    writeFileSync(file, readFileSync(join(example, "addresses.nats.json")));
    await scenario(file, broker);
  });
});

describe("the exchange example brokerless (host:port endpoints)", () => {
  it("survives kill -9 of each process mid-feed: the trader ends on the owner's states", {
    timeout: 90_000,
  }, async () => {
    const ports = [await freePort(), await freePort()];
    const text = readFileSync(join(example, "addresses.direct.json"), "utf8")
      .replaceAll("127.0.0.1:7101", `127.0.0.1:${ports[0]}`)
      .replaceAll("127.0.0.1:7102", `127.0.0.1:${ports[1]}`);
    const file = join(dir, "addresses.direct.json");
    writeFileSync(file, text);
    await scenario(file);
  });
});
