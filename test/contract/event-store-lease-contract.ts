import { afterEach, describe, expect, it } from "vitest";
import type { StoreFactory, StoreFixture } from "./event-store-contract.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HOUR = 3_600_000;

/**
 * The leases every `EventStore` adapter must keep (one runner per projection across processes,
 * issue 15 item 5). Each adapter's test file calls it next to `eventStoreContract`, with the same
 * factory. Holders are plain names here: in a system they are node ids.
 */
export function eventStoreLeaseContract(name: string, factory: StoreFactory, skip = false): void {
  describe.skipIf(skip)(`event store lease contract: ${name}`, () => {
    const fixtures: StoreFixture[] = [];
    const open = async () => {
      const f = await factory({});
      fixtures.push(f);
      return f.store;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
    });

    it("grants a free lease, and renews it for its holder", async () => {
      const store = await open();
      expect(await store.acquireLease("projection:p", "a", HOUR)).toEqual({
        held: true,
        holder: "a",
        previous: undefined,
      });
      expect(await store.acquireLease("projection:p", "a", HOUR)).toEqual({
        held: true,
        holder: "a",
        previous: "a",
      });
    });

    it("refuses a second holder while the lease runs, naming the holder", async () => {
      const store = await open();
      await store.acquireLease("projection:p", "a", HOUR);
      expect(await store.acquireLease("projection:p", "b", HOUR)).toEqual({
        held: false,
        holder: "a",
        previous: "a",
      });
      // Refused attempts change nothing: the holder still renews it.
      expect((await store.acquireLease("projection:p", "a", HOUR)).held).toBe(true);
      // Leases of other names are their own.
      expect((await store.acquireLease("projection:q", "b", HOUR)).held).toBe(true);
    });

    it("lets another holder take a lease that has ended, and refuses the old holder's renewal then", async () => {
      const store = await open();
      await store.acquireLease("projection:p", "a", 1);
      await sleep(30);
      expect(await store.acquireLease("projection:p", "b", HOUR)).toEqual({
        held: true,
        holder: "b",
        previous: "a",
      });
      expect(await store.acquireLease("projection:p", "a", HOUR)).toMatchObject({ held: false, holder: "b" });
    });

    it("moves the end of the lease at each renewal", async () => {
      const store = await open();
      await store.acquireLease("projection:p", "a", 1);
      // Renewed for an hour before anyone took it: no longer ends 1 ms after the first grant.
      expect((await store.acquireLease("projection:p", "a", HOUR)).held).toBe(true);
      await sleep(30);
      expect(await store.acquireLease("projection:p", "b", HOUR)).toMatchObject({ held: false, holder: "a" });
    });

    it("ends a lease its holder releases, at once, and ignores a release by anyone else", async () => {
      const store = await open();
      await store.acquireLease("projection:p", "a", HOUR);
      await store.releaseLease("projection:p", "b");
      expect((await store.acquireLease("projection:p", "b", HOUR)).held).toBe(false);
      await store.releaseLease("projection:p", "a");
      expect(await store.acquireLease("projection:p", "b", HOUR)).toEqual({
        held: true,
        holder: "b",
        previous: "a",
      });
      // Releasing a lease that does not exist is no error.
      await store.releaseLease("projection:none", "a");
    });

    it("grants a free lease to exactly one of many holders trying at once", async () => {
      const store = await open();
      const holders = Array.from({ length: 8 }, (_, i) => `h${i}`);
      const grants = await Promise.all(holders.map((h) => store.acquireLease("projection:p", h, HOUR)));
      const winners = grants.filter((g) => g.held);
      expect(winners).toHaveLength(1);
      // Every refused holder was told who won.
      expect(grants.filter((g) => !g.held).map((g) => g.holder)).toEqual(
        Array.from({ length: 7 }, () => winners[0]!.holder),
      );
    });
  });
}
