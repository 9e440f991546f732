// Issue 18 verification: `tesserae start … --rate abc` failed with
//   feed.rate: Invalid input: expected number, received string (env FEED_RATE)
// naming an environment variable the user never set. A refused value names what the user gave:
// the argument (`--rate`), the setting (`--set`, a `-c` file) or the variable.
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import { parseArgs } from "../../src/cli/args.js";
import { configModel } from "../../src/core/config.js";
import { TesseraError } from "../../src/core/errors.js";
import { silentLogger } from "../../src/core/logger.js";
import { createNode } from "../../src/core/node.js";
import { service } from "../../src/core/service.js";
import { configArgs } from "../../src/features/main-mode/index.js";
import { runCliCaptured } from "../support/cli.js";

const ticker = service("ticker", {
  config: configModel({
    rate: { schema: z.number().positive(), default: 10 },
    count: { schema: z.number().int(), default: 0 },
    verbose: { schema: z.boolean(), default: false },
    token: { schema: z.string().min(8), secret: true, default: "01234567" },
  }),
});
const other = service("other", { config: configModel({ rate: z.string() }) });

function refusal(f: () => unknown): TesseraError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe("TESSERA_CONFIG");
    return err as TesseraError;
  }
  throw new Error("expected a refusal");
}

const saved = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe("--rate abc named an env var", () => {
  it("names the argument as typed and what it expects", () => {
    const err = refusal(() => configArgs([ticker], ["--rate", "abc"]));
    expect(err.message).toBe('--rate: expected a number, got "abc"');
    expect(err.message).not.toContain("TICKER_RATE");
    expect(refusal(() => configArgs([ticker], ["--ticker.rate=abc"])).message).toBe(
      '--ticker.rate: expected a number, got "abc"',
    );
    expect(refusal(() => configArgs([ticker], ["--count", "1.5"])).message).toBe(
      '--count: expected a whole number, got "1.5"',
    );
    expect(refusal(() => configArgs([ticker], ["--verbose", "yes"])).message).toBe(
      '--verbose: expected true or false, got "yes"',
    );
  });

  it("gives the schema's own message when the value has the right type, and never shows a secret", () => {
    expect(refusal(() => configArgs([ticker], ["--rate", "-5"])).message).toMatch(/^--rate: too small/i);
    const secret = refusal(() => configArgs([ticker], ["--token", "short"]));
    expect(secret.message).toBe("--token: invalid value (secret, not shown)");
  });

  it("says when an argument has no value", () => {
    expect(refusal(() => configArgs([ticker], ["--rate"])).message).toBe(
      "--rate: no value given (expected a number)",
    );
  });

  it("lists every refused argument, per service when they refuse it differently", () => {
    // `other` takes any string for --rate: only ticker refuses it.
    expect(refusal(() => configArgs([ticker, other], ["--rate", "abc"])).message).toBe(
      '--rate (ticker): expected a number, got "abc"',
    );
    const err = refusal(() => configArgs([ticker], ["--rate", "x", "--count", "y"]));
    expect(err.message).toBe(
      'invalid arguments, 2 problems:\n  --rate: expected a number, got "x"\n  --count: expected a whole number, got "y"',
    );
  });

  it("takes a value it accepts, and an empty one as unset", () => {
    expect(configArgs([ticker], ["--rate", "2.5", "--count=-3", "--verbose"])).toEqual({
      "ticker.rate": "2.5",
      "ticker.count": "-3",
      "ticker.verbose": "true",
    });
    expect(configArgs([ticker], ["--rate="])).toEqual({ "ticker.rate": "" });
  });

  it("names the variable when the value came from the environment, the setting when from --set or a file", async () => {
    const start = async (env: Record<string, string>) => {
      const node = createNode({
        services: [ticker],
        transport: memoryTransport(),
        env,
        logger: silentLogger,
      });
      return (await node.start().then(
        () => node.stop(),
        (e: unknown) => e,
      )) as TesseraError;
    };
    expect((await start({ TICKER_RATE: "abc" })).message).toContain(
      'ticker.rate: expected a number, got "abc" (env TICKER_RATE)',
    );
    expect((await start({ "ticker.rate": "abc", TICKER_RATE: "1" })).message).toContain(
      'ticker.rate: expected a number, got "abc" (setting ticker.rate)',
    );
  });

  it("keeps a negative number as the value of an extra option", () => {
    expect(parseArgs(["--rate", "-5"], [], "start", { extras: true }).extras).toEqual(["--rate", "-5"]);
  });

  it("tesserae start --rate abc on the exchange example names --rate, and starts nothing", async () => {
    const { code, stdout, stderr } = await runCliCaptured([
      "start",
      "--config",
      "examples/exchange/tesserae.config.ts",
      "--store",
      "memory",
      "--services",
      "feed",
      "--port",
      "0",
      "--rate",
      "abc",
    ]);
    expect({ code, stdout, stderr }).toEqual({
      code: 1,
      stdout: "",
      stderr: 'tesserae: --rate: expected a number, got "abc"\n',
    });
  });
});
