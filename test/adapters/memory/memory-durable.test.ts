import { createMemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { durableContract } from "../../contract/durable-contract.js";

durableContract("memory", async () => {
  const bus = createMemoryBus();
  const a = memoryTransport({ bus });
  const b = memoryTransport({ bus });
  return {
    a,
    b,
    cleanup: async () => {
      await a.close();
      await b.close();
    },
  };
});
