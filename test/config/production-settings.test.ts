import pg from "pg";
import { describe, expect, it } from "vitest";
import { banner, projectSummary } from "../../src/cli/banner.js";
import { colorsFor } from "../../src/cli/output.js";
import type { Project } from "../../src/config/load-project.js";
import { resolveNatsSecurity } from "../../src/config/nats-settings.js";
import { postgresPoolConfig } from "../../src/config/postgres-pool.js";
import type { ProjectConfig } from "../../src/config/project-config.js";
import { resolveSettings } from "../../src/config/settings.js";
import { openStores } from "../../src/config/store-set.js";
import { parseStoreUrl } from "../../src/config/store-url.js";
import { maskUrl } from "../../src/core/mask-url.js";

const secret = "s3cr3t-Pa55";

describe("secrets in URLs are masked (issue 15, item 6)", () => {
  it("a NATS password, a NATS token and secret parameters never appear; the rest does", () => {
    const list = `nats://app:${secret}@nats-1:4222, nats://app:${secret}@nats-2:4222,tls://${secret}@nats-3:4222`;
    const masked = maskUrl(list);
    expect(masked).not.toContain(secret);
    expect(masked).toBe("nats://app:***@nats-1:4222, nats://app:***@nats-2:4222,tls://***@nats-3:4222");
    expect(maskUrl(`postgres://app@db/app?password=${secret}&sslmode=require`)).toBe(
      "postgres://app@db/app?password=***&sslmode=require",
    );
    expect(maskUrl("postgres://app@db/app")).toBe("postgres://app@db/app");
    expect(maskUrl("memory")).toBe("memory");
  });

  it("the start banner no longer prints the NATS password of the transport URL", () => {
    const config: ProjectConfig = { services: [] };
    const settings = resolveSettings(
      config,
      "prod",
      {
        TESSERA_TRANSPORT: `nats://app:${secret}@nats-1:4222,nats://app:${secret}@nats-2:4222`,
        TESSERA_STORE: `postgres://app:${secret}@db/app`,
      },
      {},
      "/app",
    );
    const project = { name: "shop", stage: "prod", settings } as unknown as Project;
    const text = banner(
      colorsFor({ isTTY: false }, {}),
      projectSummary(project, []),
      "http://127.0.0.1:3000",
    );
    expect(text).toContain("transport nats://app:***@nats-1:4222,nats://app:***@nats-2:4222");
    expect(text).not.toContain(secret);
  });
});

describe("NATS security settings (issue 15, item 6)", () => {
  it("come from TESSERA_NATS_*, over the stage's and the project file's nats", () => {
    const config: ProjectConfig = {
      services: [],
      nats: { user: "app", tls: { caFile: "/etc/nats/ca.pem" } },
      stages: { prod: { nats: { credsFile: "/etc/nats/prod.creds" } } },
    };
    const s = resolveSettings(
      config,
      "prod",
      { TESSERA_NATS_PASS: secret, TESSERA_NATS_CERT: "/run/node.pem", TESSERA_NATS_KEY: "/run/node.key" },
      {},
      "/app",
    );
    expect(s.nats).toEqual({
      user: "app",
      pass: secret,
      credsFile: "/etc/nats/prod.creds",
      tls: { caFile: "/etc/nats/ca.pem", certFile: "/run/node.pem", keyFile: "/run/node.key" },
    });
    expect(resolveNatsSecurity({ TESSERA_NATS_TOKEN: "" }, undefined, undefined)).toEqual({});
  });
});

describe("the PostgreSQL pool (issue 15, item 6)", () => {
  it("?max= sets the pool's size (it was ignored: 10 whatever the URL said) and leaves the URL", () => {
    expect(postgresPoolConfig("postgres://app@db/app?max=4")).toEqual({
      connectionString: "postgres://app@db/app",
      max: 4,
    });
    const tls = postgresPoolConfig(
      "postgres://app@db/app?sslmode=verify-full&max=20&sslrootcert=/etc/ca.pem",
    );
    expect(tls.max).toBe(20);
    expect(new URL(tls.connectionString!).searchParams.get("sslmode")).toBe("verify-full");
    expect(new URL(tls.connectionString!).searchParams.get("sslrootcert")).toBe("/etc/ca.pem");
    expect(postgresPoolConfig("postgres://app@db/app").max).toBe(10);
    expect(() => postgresPoolConfig("postgres://app@db/app?max=lots")).toThrow("not a pool size");
  });

  it("the store set opens its one pool with that size", () => {
    const seen: pg.PoolConfig[] = [];
    const stores = openStores(parseStoreUrl("postgres://app@db/app?max=3&sslmode=require", "/app"), {
      postgres: (config) => {
        seen.push(config);
        return new pg.Pool(config);
      },
    });
    stores.flowStore();
    stores.eventStore();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ max: 3, connectionString: "postgres://app@db/app?sslmode=require" });
    void stores.close();
  });
});
