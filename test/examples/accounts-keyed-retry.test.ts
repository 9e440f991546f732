import { describe, expect, it } from "vitest";
import { account } from "../../examples/accounts/model.js";
import { accountsService } from "../../examples/accounts/service.js";
import { memoryEventStore, memoryTransport } from "../../src/adapters/memory/index.js";
import { LocalInbox } from "../../src/core/inbox.js";
import { eventSourcing } from "../../src/features/eventsourcing/index.js";
import { createNode, silentLogger } from "../../src/index.js";

/**
 * Issue 17 follow-up, item 1: a keyed request whose answer was lost — the node died after the
 * write committed and before its inbox stored the answer — is sent again with the same key. The
 * write already holds it: the retry must not apply it again. Each "life" of the node has its own,
 * empty inbox (what the crash lost) and the same event store (what it committed).
 */
describe("a keyed request retried after the node died between the commit and the inbox", () => {
  const store = memoryEventStore();
  const es = eventSourcing({ store });
  const life = async () => {
    const service = accountsService(es);
    const node = createNode({
      services: [service],
      transport: memoryTransport(),
      logger: silentLogger,
      inbox: new LocalInbox(),
    });
    await node.start();
    return { node, service };
  };

  it("opens the account once and applies the deposit once", async () => {
    const first = await life();
    const opened = await first.node.call(
      first.service.entries.post,
      { owner: "Ada" },
      { idempotencyKey: "open-ada" },
    );
    await first.node.call(
      first.service.entries.deposit,
      { id: opened.id, amount: 5 },
      { idempotencyKey: "dep-1" },
    );
    await first.node.stop();

    const second = await life();
    const again = await second.node.call(
      second.service.entries.post,
      { owner: "Ada" },
      { idempotencyKey: "open-ada" },
    );
    expect(again.id).toBe(opened.id);
    const retried = await second.node.call(
      second.service.entries.deposit,
      { id: opened.id, amount: 5 },
      { idempotencyKey: "dep-1" },
    );
    expect(retried).toEqual({ id: opened.id, version: 2 });
    // A new key is a new deposit.
    await second.node.call(
      second.service.entries.deposit,
      { id: opened.id, amount: 5 },
      { idempotencyKey: "dep-2" },
    );
    await second.node.stop();

    const repo = es.repository(account);
    expect((await repo.get(opened.id)).state.balance).toBe(10);
    expect(await store.listStreams("account-")).toHaveLength(1);
  });
});
