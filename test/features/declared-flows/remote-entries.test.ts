// Issue 15, finding 1: on a node whose code declares the declared-flows services but not `text`,
// `POST /w` using `upper` (an alias of text.upper, run by another node) answered 409 "service upper
// does not exist", although every node knows every entry of the system. The registry now learns
// the entries of the other nodes from discovery.
import { afterEach, describe, expect, it, vi } from "vitest";
import { text } from "../../../examples/text/services.js";
import {
  createMemoryBus,
  memoryDeclaredFlowStore,
  memoryFlowStore,
  memoryTransport,
} from "../../../src/adapters/memory/index.js";
import { silentLogger } from "../../../src/core/logger.js";
import { createNode, type TesseraNode } from "../../../src/core/node.js";
import { createDeclaredFlows } from "../../../src/features/declared-flows/declared-flows.js";
import { declaredFlowsService } from "../../../src/features/declared-flows/declared-flows-service.js";
import { machineryService } from "../../../src/features/declared-flows/machinery-service.js";
import { discovery } from "../../../src/features/discovery/index.js";
import { createFlowEngine } from "../../../src/features/flows/engine.js";
import { flowsService } from "../../../src/features/flows/flows-service.js";
import { createGateway } from "../../../src/features/gateway/gateway.js";
import { testClient } from "../../../src/testing/index.js";
import { textAliases } from "./fixture.js";

const nodes: TesseraNode[] = [];
afterEach(async () => {
  await Promise.allSettled(nodes.splice(0).map((n) => n.stop()));
});

describe("declared flows know the entries other nodes run", () => {
  it("accepts POST /w using upper on a node without the text service (was 409 'service upper does not exist') and runs it remotely", async () => {
    const bus = createMemoryBus();
    const plugins = () => [discovery({ heartbeatMs: 40, missedHeartbeats: 3 })];
    const textNode = createNode({
      services: [text],
      transport: memoryTransport({ bus, drainTimeoutMs: 50 }),
      logger: silentLogger,
      plugins: plugins(),
    });
    nodes.push(textNode);
    await textNode.start();

    const engine = createFlowEngine({ store: memoryFlowStore(), flows: [], pollMs: 50 });
    const declared = createDeclaredFlows({
      engine,
      store: memoryDeclaredFlowStore(),
      aliases: textAliases,
      callTimeoutMs: 5000,
    });
    const flowsNode = createNode({
      services: [flowsService(engine), declaredFlowsService(declared), machineryService(declared)],
      plugins: [engine, declared, ...plugins()],
      transport: memoryTransport({ bus, drainTimeoutMs: 50 }),
      logger: silentLogger,
    });
    nodes.push(flowsNode);
    await flowsNode.start();
    await vi.waitFor(() => expect(flowsNode.topology().nodes).toHaveLength(1));

    const client = testClient(createGateway(flowsNode));
    const w = await client.post("/w", {
      name: "upper_reverse_spaces",
      services: ["upper", "reverse", "spaces"],
      inputs: [{ name: "message", type: "string" }],
      outputs: [
        { name: "message", type: "string" },
        { name: "count", type: "int" },
      ],
    });
    expect([w.status, w.body]).toEqual([201, { workflow_id: expect.any(String) }]);
    const id = (w.body as { workflow_id: string }).workflow_id;
    const e = await client.post(`/e/${id}`, { message: "hello world" });
    expect([e.status, e.body]).toEqual([201, { message: "DLROW OLLEH", count: 1 }]);
    const listed = (await client.get("/declared/services")).body as { name: string }[];
    expect(listed.map((s) => s.name)).toEqual(expect.arrayContaining(["upper", "text.upper"]));
    // A name nobody runs is still unknown.
    const nope = await client.post("/w", { name: "x", services: ["nope"], inputs: [] });
    expect([nope.status, nope.body]).toEqual([409, { message: "service nope does not exist" }]);
  });
});
