import { describe, expect, it } from "vitest";
import type { ProjectConfig } from "../../src/config/project-config.js";
import { resolveSettings } from "../../src/config/settings.js";
import { parseStoreUrl } from "../../src/config/store-url.js";
import { transportFor, transportKind } from "../../src/config/transport-url.js";

const config: ProjectConfig = {
  services: [],
  transport: "memory",
  gateway: { port: 4000, host: "127.0.0.1", bodyLimit: 1000 },
  stages: { dev: {}, prod: { gateway: { port: 5000, host: "0.0.0.0" }, store: "postgres://app:pw@db/app" } },
};

describe("settings", () => {
  it("default to the memory transport, a SQLite file per stage under .tesserae/, port 3000", () => {
    const s = resolveSettings({ services: [] }, "dev", {}, {}, "/app");
    expect(s.transport).toBe("memory");
    expect(s.store).toMatchObject({
      kind: "sqlite",
      url: "sqlite:.tesserae/dev.db",
      path: "/app/.tesserae/dev.db",
    });
    expect(s.gateway).toMatchObject({ port: 3000, host: "127.0.0.1" });
  });

  it("take the flag, else the environment, else the stage, else the project file", () => {
    expect(resolveSettings(config, "dev", {}, {}, "/app").gateway).toMatchObject({
      port: 4000,
      bodyLimit: 1000,
    });
    expect(resolveSettings(config, "prod", {}, {}, "/app").gateway).toMatchObject({
      port: 5000,
      host: "0.0.0.0",
    });
    expect(resolveSettings(config, "prod", { PORT: "6000" }, {}, "/app").gateway.port).toBe(6000);
    expect(resolveSettings(config, "prod", { PORT: "6000" }, { port: 7000 }, "/app").gateway.port).toBe(7000);
    expect(resolveSettings(config, "prod", { TESSERA_HOST: "::1" }, {}, "/app").gateway.host).toBe("::1");
    const store = (env: Record<string, string>, store?: string) =>
      resolveSettings(config, "prod", env, { store }, "/app").store.url;
    expect(store({})).toBe("postgres://app:pw@db/app");
    expect(store({ TESSERA_STORE: "sqlite:/data/x.db" })).toBe("sqlite:/data/x.db");
    expect(store({ TESSERA_STORE: "sqlite:/data/x.db" }, "memory")).toBe("memory");
  });

  it("refuse a port that is not one", () => {
    expect(() => resolveSettings(config, "dev", { PORT: "http" }, {}, "/app")).toThrow(
      'PORT: "http" is not a port number',
    );
    expect(() => resolveSettings(config, "dev", {}, { port: 70000 }, "/app")).toThrow("--port");
  });

  it("choose the transport by URL", async () => {
    expect(transportKind("memory")).toBe("memory");
    expect(transportKind("nats://127.0.0.1:4222")).toBe("nats");
    expect((await transportFor("memory")).kind).toBe("memory");
    // Not connected yet: only built.
    const nats = await transportFor("nats://127.0.0.1:4222, nats://127.0.0.1:4223");
    expect([nats.kind, nats.status().connected]).toEqual(["nats", false]);
    expect(() => resolveSettings(config, "dev", { TESSERA_TRANSPORT: "kafka://x" }, {}, "/app")).toThrow(
      'unknown transport "kafka:"',
    );
  });

  it("check the store's scheme and never show its password", () => {
    const pg = parseStoreUrl("postgres://app:s3cret@db:5432/app", "/app");
    expect(pg.kind).toBe("postgres");
    expect(pg.display).not.toContain("s3cret");
    expect(pg.display).toBe("postgres://app:***@db:5432/app");
    expect(parseStoreUrl("sqlite:///var/db/x.db", "/app").path).toBe("/var/db/x.db");
    expect(() => parseStoreUrl("sqlite:", "/app")).toThrow("give a file");
    expect(() => parseStoreUrl("mysql://db/app", "/app")).toThrow('unknown store "mysql:"');
  });
});
