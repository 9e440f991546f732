import { describe, expect, it } from "vitest";
import { natsTransport } from "../../src/adapters/nats/index.js";
import { checkJetStreamOptions } from "../../src/adapters/nats/jetstream-options.js";
import { resolveJetStreamSettings } from "../../src/config/jetstream-settings.js";
import type { ProjectConfig } from "../../src/config/project-config.js";
import { resolveSettings } from "../../src/config/settings.js";
import { TesseraError } from "../../src/core/errors.js";

function configError(fn: () => unknown): TesseraError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe("TESSERA_CONFIG");
    return err as TesseraError;
  }
  throw new Error("no error thrown");
}

describe("JetStream settings (issue 15, item 2)", () => {
  it("each comes from TESSERA_JETSTREAM_*, else the stage's jetstream, else the project file's", () => {
    const settings = resolveJetStreamSettings(
      { TESSERA_JETSTREAM_REPLICAS: "3", TESSERA_JETSTREAM_STORAGE: "memory" },
      { replicas: 1, ackWaitMs: 60_000 },
      { ackWaitMs: 10_000, maxAgeMs: 3_600_000, heartbeatMs: 2000 },
    );
    expect(settings).toEqual({
      replicas: 3,
      storage: "memory",
      ackWaitMs: 60_000,
      maxAgeMs: 3_600_000,
      heartbeatMs: 2000,
    });
  });

  it("reach the resolved settings of a stage (what tesserae start gives the transport)", () => {
    const config: ProjectConfig = {
      services: [],
      jetstream: { maxAgeMs: 86_400_000 },
      stages: { prod: { jetstream: { replicas: 3 } } },
    };
    const settings = resolveSettings(config, "prod", { TESSERA_JETSTREAM_ACK_WAIT_MS: "45000" }, {}, "/p");
    expect(settings.jetstream).toEqual({ replicas: 3, maxAgeMs: 86_400_000, ackWaitMs: 45_000 });
    expect(resolveSettings({ services: [] }, "dev", {}, {}, "/p").jetstream).toEqual({});
  });

  it("a bad value is TESSERA_CONFIG naming where it came from", () => {
    expect(
      configError(() => resolveJetStreamSettings({ TESSERA_JETSTREAM_REPLICAS: "three" }, {}, {})).message,
    ).toBe('TESSERA_JETSTREAM_REPLICAS: "three" is not a number');
    expect(
      configError(() => resolveJetStreamSettings({ TESSERA_JETSTREAM_REPLICAS: "6" }, {}, {})).message,
    ).toContain("TESSERA_JETSTREAM_REPLICAS: 6 is not from 1 to 5");
    expect(configError(() => resolveJetStreamSettings({}, { maxAgeMs: -1 }, {})).message).toContain(
      "jetstream.maxAgeMs of the stage: -1 is not a positive number",
    );
    expect(configError(() => resolveJetStreamSettings({}, {}, { replicas: 2.5 })).message).toContain(
      "jetstream.replicas: 2.5 is not a whole number",
    );
  });

  it("refuses what the server or nats.js would refuse later: a heartbeat over half the pull, a pull under 1 s, a window past the max age", () => {
    expect(configError(() => checkJetStreamOptions({ heartbeatMs: 3000 })).message).toContain(
      "jetstream.heartbeatMs: 3000 is not from 500 ms to half the pull (2500 ms)",
    );
    expect(
      configError(() => checkJetStreamOptions({ pullExpiresMs: 10_000, heartbeatMs: 400 })).details,
    ).toEqual({
      name: "jetstream.heartbeatMs",
      related: "jetstream.pullExpiresMs",
    });
    expect(configError(() => checkJetStreamOptions({ pullExpiresMs: 500 })).message).toContain(
      "at least 1000 ms",
    );
    expect(
      configError(() => checkJetStreamOptions({ maxAgeMs: 60_000, duplicateWindowMs: 120_000 })).message,
    ).toContain("jetstream.duplicateWindowMs");
    expect(configError(() => checkJetStreamOptions({ storage: "disk" as "file" })).message).toContain(
      '"file" or "memory"',
    );
    expect(() =>
      checkJetStreamOptions({ replicas: 5, pullExpiresMs: 10_000, heartbeatMs: 5000 }),
    ).not.toThrow();
  });

  it("a heartbeat refused because of a pull set by TESSERA_JETSTREAM_PULL_EXPIRES_MS names that variable, not only jetstream.heartbeatMs", () => {
    const message = configError(() =>
      resolveJetStreamSettings({ TESSERA_JETSTREAM_PULL_EXPIRES_MS: "1000" }, {}, { heartbeatMs: 1000 }),
    ).message;
    expect(message).toContain("jetstream.heartbeatMs: 1000 is not from 500 ms to half the pull (500 ms)");
    expect(message).toContain("(jetstream.pullExpiresMs is TESSERA_JETSTREAM_PULL_EXPIRES_MS)");
    expect(
      configError(() =>
        resolveJetStreamSettings(
          { TESSERA_JETSTREAM_DUPLICATE_WINDOW_MS: "120000", TESSERA_JETSTREAM_MAX_AGE_MS: "60000" },
          {},
          {},
        ),
      ).message,
    ).toMatch(
      /^TESSERA_JETSTREAM_DUPLICATE_WINDOW_MS: 120000 .*\(jetstream.maxAgeMs is TESSERA_JETSTREAM_MAX_AGE_MS\)$/,
    );
  });

  it("the NATS transport checks them when it is built, before any stream exists", () => {
    expect(configError(() => natsTransport({ jetstream: { replicas: 0 } })).message).toContain(
      "jetstream.replicas",
    );
  });
});
