import { z } from "zod";
import { memoryFlowStore, memoryTransport } from "../../../src/adapters/memory/index.js";
import {
  createFlowEngine,
  type FlowDef,
  type FlowEngineOptions,
  flowsService,
} from "../../../src/features/flows/index.js";
import {
  createNode,
  entry,
  type ServiceDef,
  service,
  silentLogger,
  TesseraError,
} from "../../../src/index.js";
import type { FlowStore } from "../../../src/ports/flow-store.js";

const Message = z.object({ message: z.string() });

/** A small service the test flows call, counting its calls. */
export function textService(calls: Map<string, number> = new Map()) {
  const count = (name: string) => calls.set(name, (calls.get(name) ?? 0) + 1);
  return service("text", {
    entries: {
      upper: entry({ input: Message, output: Message }, ({ message }) => {
        count("upper");
        return { message: message.toUpperCase() };
      }),
      reverse: entry({ input: Message, output: Message }, ({ message }) => {
        count("reverse");
        return { message: [...message].reverse().join("") };
      }),
      nothing: entry({ input: Message }, () => {
        count("nothing");
        return undefined;
      }),
      refuse: entry({ input: Message }, () => {
        throw TesseraError.conflict("refused");
      }),
      crash: entry({ input: Message }, () => {
        throw new Error("boom");
      }),
    },
  });
}

export interface Harness {
  readonly engine: ReturnType<typeof createFlowEngine>;
  readonly node: ReturnType<typeof createNode>;
  stop(): Promise<void>;
}

/** An engine on a node with the text service (and `services`), started; stop() stops both. */
export async function harness(
  flows: readonly FlowDef[],
  options: Partial<FlowEngineOptions> & { store?: FlowStore } = {},
  calls?: Map<string, number>,
  services: readonly ServiceDef[] = [],
): Promise<Harness> {
  const engine = createFlowEngine({
    store: options.store ?? memoryFlowStore(),
    flows,
    pollMs: 50,
    leaseMs: 2000,
    logger: silentLogger,
    ...options,
  });
  const node = createNode({
    services: [textService(calls), ...services, flowsService(engine)],
    transport: memoryTransport(),
    logger: silentLogger,
  });
  await node.start();
  await engine.start(node);
  return {
    engine,
    node,
    stop: async () => {
      await engine.stop();
      await node.stop();
    },
  };
}
