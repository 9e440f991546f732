import { randomUUID } from "node:crypto";
import { TesseraError } from "../../../core/errors.js";
import type { AslEffects } from "./asl-effects.js";
import type { Json } from "./asl-types.js";

/** A Task's resource run in memory: a function of the Task's input. */
export type TaskHandler = (input: Json) => Json | Promise<Json>;

export interface MemoryEffectsOptions {
  /** The functions of the Tasks' resources, by resource name. */
  readonly handlers?: Readonly<Record<string, TaskHandler>>;
  /** How waits and retry delays pass (default: they do not: a test needs no real time). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly uuid?: () => string;
  readonly executionId?: string;
  readonly machineName?: string;
}

/**
 * Effects done directly in memory, nothing journaled: for tests, and for running a peer's fixtures
 * against the same execution the engine uses.
 *
 * @example
 * const fx = memoryEffects({ handlers: { double: (n) => (n as number) * 2 } });
 */
export function memoryEffects(options: MemoryEffectsOptions = {}): AslEffects {
  const sleep = options.sleep ?? (() => Promise.resolve());
  const now = options.now ?? Date.now;
  return {
    executionId: options.executionId ?? "local",
    machineName: options.machineName ?? "local",
    async task(name, resource, input, timeoutMs) {
      const handler = options.handlers?.[resource];
      if (handler === undefined)
        throw TesseraError.notFound(`no handler for the resource ${resource} of ${name}`);
      if (timeoutMs === undefined) return handler(input);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(TesseraError.timeout(`${name} took longer than ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([Promise.resolve(handler(input)), deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
    sleep: (_name, ms) => sleep(ms),
    sleepUntil: (_name, at) => sleep(Math.max(0, at - now())),
    parallel: (branches) => Promise.all(branches.map((b) => b())),
    now,
    random: options.random ?? Math.random,
    uuid: options.uuid ?? randomUUID,
    tick: () => undefined,
  };
}
