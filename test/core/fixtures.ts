import { afterEach, vi } from "vitest";
import { createMemoryBus, type MemoryBus, memoryTransport } from "../../src/adapters/memory/index.js";
import type { ErrorCode } from "../../src/core/error-codes.js";
import { TesseraError } from "../../src/core/errors.js";
import { createLogger, type Logger, silentLogger } from "../../src/core/logger.js";
import { createNode, type NodeOptions, type TesseraNode } from "../../src/core/node.js";

/** A logger that keeps its records, to assert on what was logged. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

export type TestNodeOptions = Omit<NodeOptions, "transport"> & { readonly bus?: MemoryBus };

/**
 * Starts nodes on memory transports (a shared bus when given) with a silent logger, and stops
 * them all after each test of the calling `describe`.
 */
export function useNodes(): (options: TestNodeOptions) => Promise<TesseraNode> {
  const started: TesseraNode[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((n) => n.stop()));
  });
  return async ({ bus, ...options }) => {
    const node = createNode({
      logger: silentLogger,
      ...options,
      transport: memoryTransport(bus === undefined ? {} : { bus }),
    });
    started.push(node);
    await node.start();
    return node;
  };
}

export { createMemoryBus };

/** A promise that a test opens when it wants a held handler to go on. */
export function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` stops throwing (5 s at most). */
export const waitFor = (check: () => void): Promise<void> =>
  vi.waitFor(check, { timeout: 5000, interval: 5 });

/** The TesseraError a promise rejects with; fails when it resolves. */
export async function failure(promise: Promise<unknown>): Promise<TesseraError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof TesseraError) return err;
    throw new Error(`expected a TesseraError, got ${String(err)}`);
  }
  throw new Error("expected a rejection, got a result");
}

/** Asserts the code of the error a promise rejects with and returns the error. */
export async function failsWith(promise: Promise<unknown>, code: ErrorCode): Promise<TesseraError> {
  const err = await failure(promise);
  if (err.code !== code) throw new Error(`expected ${code}, got ${err.code}: ${err.message}`);
  return err;
}
