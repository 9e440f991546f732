import { createMemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { lastValuesContract } from "../../contract/last-values-contract.js";

lastValuesContract("memory", async () => {
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
