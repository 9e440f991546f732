import { text } from "../../../examples/text/services.js";
import {
  memoryDeclaredFlowStore,
  memoryFlowStore,
  memoryTransport,
} from "../../../src/adapters/memory/index.js";
import { type Logger, silentLogger } from "../../../src/core/logger.js";
import { createNode, type TesseraNode } from "../../../src/core/node.js";
import type { ServiceDef } from "../../../src/core/service.js";
import {
  createDeclaredFlows,
  type DeclaredFlows,
} from "../../../src/features/declared-flows/declared-flows.js";
import { declaredFlowsService } from "../../../src/features/declared-flows/declared-flows-service.js";
import { machineryService } from "../../../src/features/declared-flows/machinery-service.js";
import { diagramsService } from "../../../src/features/diagrams/diagrams-service.js";
import {
  createFlowEngine,
  type FlowEngine,
  type FlowEngineOptions,
} from "../../../src/features/flows/engine.js";
import type { FlowDef } from "../../../src/features/flows/flow.js";
import { flowsService } from "../../../src/features/flows/flows-service.js";
import { createGateway } from "../../../src/features/gateway/gateway.js";
import type { DeclaredFlowStore } from "../../../src/ports/declared-flow-store.js";
import type { FlowStore } from "../../../src/ports/flow-store.js";
import { type TestClient, testClient } from "../../../src/testing/index.js";

export interface DeclaredFixture {
  readonly node: TesseraNode;
  readonly engine: FlowEngine;
  readonly declared: DeclaredFlows;
  readonly client: TestClient;
  stop(): Promise<void>;
}

export const textAliases = { upper: "text.upper", reverse: "text.reverse", spaces: "text.spaces" };

/** A node with the text service, a flow engine, declared flows (aliases of the text entries) and both APIs. */
export async function declaredFixture(
  options: {
    flowStore?: FlowStore;
    store?: DeclaredFlowStore;
    flows?: readonly FlowDef[];
    services?: readonly ServiceDef[];
    aliases?: Record<string, string>;
    syncWaitMs?: number;
    /** More engine options (a budget, a callback policy…). */
    engine?: Partial<FlowEngineOptions>;
    /** The node's logger (default: silent). */
    logger?: Logger;
  } = {},
): Promise<DeclaredFixture> {
  const engine = createFlowEngine({
    store: options.flowStore ?? memoryFlowStore(),
    flows: options.flows ?? [],
    pollMs: 50,
    ...(options.syncWaitMs === undefined ? {} : { syncWaitMs: options.syncWaitMs }),
    ...options.engine,
  });
  const declared = createDeclaredFlows({
    engine,
    store: options.store ?? memoryDeclaredFlowStore(),
    aliases: options.aliases ?? textAliases,
    callTimeoutMs: 5000,
  });
  const node = createNode({
    services: [
      text,
      diagramsService(engine, declared),
      ...(options.services ?? []),
      flowsService(engine),
      declaredFlowsService(declared),
      machineryService(declared),
    ],
    plugins: [engine, declared],
    transport: memoryTransport(),
    logger: options.logger ?? silentLogger,
  });
  await node.start();
  return {
    node,
    engine,
    declared,
    client: testClient(createGateway(node)),
    stop: () => node.stop(),
  };
}

/** Polls the store until the run of `eventId` has ended (15 s at most), and returns it. */
export async function runEnd(f: DeclaredFixture, eventId: string): Promise<Record<string, unknown>> {
  const until = Date.now() + 15_000;
  for (;;) {
    const run = await f.engine.store.getRun(eventId);
    if (run !== undefined && ["completed", "failed", "compensated", "cancelled"].includes(run.status))
      return run as unknown as Record<string, unknown>;
    if (Date.now() > until) throw new Error(`run ${eventId} did not end`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
