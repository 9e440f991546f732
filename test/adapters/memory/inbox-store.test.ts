import { memoryInbox } from "../../../src/adapters/memory/index.js";
import { inboxStoreContract } from "../../contract/inbox-store-contract.js";

inboxStoreContract("memory", async () => {
  const inbox = memoryInbox();
  return { inbox, cleanup: () => inbox.close() };
});
