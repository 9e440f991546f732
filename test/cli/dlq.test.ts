import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import { loadProject } from "../../src/config/load-project.js";
import { createProjectNode } from "../../src/config/project-node.js";
import { deadLetters } from "../../src/features/dead-letters/dead-letters-service.js";
import {
  createNode,
  event,
  type RunningServer,
  serve,
  service,
  silentLogger,
  subscribe,
} from "../../src/index.js";
import { runCliCaptured } from "../support/cli.js";

// A node whose mailer fails its durable events, served on a free port with the dead-letter routes
// under a management token; `tesserae dlq` talks to it as it would to `npm start`.

const token = "cli-dlq-management-token-0123456789";
const happened = event("clidlq.happened", undefined, { durable: true });
let failing = true;
const handled: unknown[] = [];
let server: RunningServer;

beforeAll(async () => {
  const mailer = service("mailer", {
    on: {
      send: subscribe(
        happened,
        (payload) => {
          if (failing) throw new Error("smtp is down");
          handled.push(payload);
        },
        { retry: { attempts: 1 } },
      ),
    },
  });
  const dlq = deadLetters({ management: { token } });
  const node = createNode({
    services: [mailer, dlq.service],
    plugins: [dlq.plugin],
    transport: memoryTransport(),
    logger: silentLogger,
  });
  server = await serve(node, { port: 0 });
  await node.emit(happened, { to: "ada" });
  await node.emit(happened, { to: "bob" });
});
afterAll(() => server.close());

const cli = (...argv: string[]) => runCliCaptured([...argv, "--url", server.url, "--token", token]);

describe("tesserae dlq", () => {
  it("--help tells the subcommands and where the token comes from", async () => {
    const { code, stdout } = await runCliCaptured(["dlq", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("tesserae dlq <list | replay <id…> | drop <id…>>");
    expect(stdout).toContain("TESSERA_MANAGEMENT_TOKEN");
  });

  it("lists, replays and drops the dead letters of a running node", async () => {
    const letters = await vi.waitFor(
      async () => {
        const { code, stdout } = await cli("dlq", "list", "--json");
        expect(code).toBe(0);
        const items = JSON.parse(stdout) as { id: string; error: string }[];
        expect(items).toHaveLength(2);
        return items;
      },
      { timeout: 10_000, interval: 50 },
    );
    const listed = await cli("dlq", "list");
    expect(listed.stdout).toMatch(/^ID +SUBJECT +CONSUMER +DELIVERIES +TIME +ERROR/);
    expect(listed.stdout).toContain("smtp is down");

    failing = false;
    const replayed = await cli("dlq", "replay", letters[0]!.id);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain(`replayed ${letters[0]!.id}`);
    await vi.waitFor(() => expect(handled).toEqual([{ to: "ada" }]), { timeout: 10_000, interval: 50 });

    expect((await cli("dlq", "drop", letters[1]!.id)).code).toBe(0);
    expect(JSON.parse((await cli("dlq", "list", "--json")).stdout)).toEqual([]);
    expect(handled).toEqual([{ to: "ada" }]);

    const gone = await cli("dlq", "drop", letters[1]!.id);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("TESSERA_NOT_FOUND");
  });

  it("is refused without the management token", async () => {
    const { code, stderr } = await runCliCaptured(["dlq", "list", "--url", server.url]);
    expect(code).toBe(1);
    expect(stderr).toContain("TESSERA_UNAUTHORIZED");
  });
});

describe("a project's node", () => {
  it("serves the dead-letter routes in dev when its services consume durable events", async () => {
    const project = await loadProject({
      config: "test/cli/fixtures/mailer/tesserae.config.ts",
      store: "memory",
      processEnv: {},
    });

    const node = await createProjectNode(project, silentLogger);
    const s = await serve(node, { port: 0 });
    try {
      const r = await fetch(new URL("/dlq", s.url));
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ items: [] });
    } finally {
      await s.close();
    }
  });

  it("serves the dead-letter routes when --services names a durable consumer and not dead-letters (issue 17 follow-up, item 3)", async () => {
    const project = await loadProject({
      config: "test/cli/fixtures/mailer/tesserae.config.ts",
      store: "memory",
      processEnv: {},
    });
    const node = await createProjectNode(project, silentLogger, { services: "mailer" });
    const s = await serve(node, { port: 0 });
    try {
      const r = await fetch(new URL("/dlq", s.url));
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ items: [] });
    } finally {
      await s.close();
    }
  });

  it("serves none when no service consumes a durable event, nor outside dev without management credentials", async () => {
    const text = await loadProject({
      config: "examples/text/tesserae.config.ts",
      store: "memory",
      processEnv: {},
    });
    expect((await createProjectNode(text, silentLogger)).routes.some((r) => r.path.startsWith("/dlq"))).toBe(
      false,
    );
    const prod = await loadProject({
      config: "test/cli/fixtures/mailer/tesserae.config.ts",
      store: "memory",
      stage: "prod",
      processEnv: {},
    });
    expect((await createProjectNode(prod, silentLogger)).routes.some((r) => r.path.startsWith("/dlq"))).toBe(
      false,
    );
    const guarded = await loadProject({
      config: "test/cli/fixtures/mailer/tesserae.config.ts",
      store: "memory",
      stage: "prod",
      processEnv: { TESSERA_MANAGEMENT_TOKEN: token },
    });
    expect((await createProjectNode(guarded, silentLogger)).routes.map((r) => r.path)).toContain("/dlq");
  });
});
