import { afterEach, describe, expect, it } from "vitest";
import type { InboxStore } from "../../src/ports/inbox-store.js";

export interface InboxFixture {
  readonly inbox: InboxStore;
  cleanup(): Promise<void>;
}
export type InboxFactory = () => Promise<InboxFixture>;

const T0 = 1_700_000_000_000;
const bytes = (text: string) => new TextEncoder().encode(text);

/**
 * What every inbox of idempotent calls must do (the node's `inbox`, issue 17 part B): one claim per
 * key and target, the first answer kept, a dead holder's lock taken over, retention by `purge`.
 */
export function inboxStoreContract(name: string, factory: InboxFactory, skip = false): void {
  describe.skipIf(skip)(`inbox store contract: ${name}`, () => {
    const fixtures: InboxFixture[] = [];
    const open = async () => {
      const f = await factory();
      fixtures.push(f);
      await f.inbox.migrate();
      return f.inbox;
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((f) => f.cleanup()));
    });

    it("claims a new key once; a second claim is busy with the first fingerprint", async () => {
      const inbox = await open();
      expect(await inbox.claim("a.b", "k", "fp1", T0, 30_000)).toEqual({ kind: "claimed" });
      expect(await inbox.claim("a.b", "k", "fp1", T0 + 1, 30_000)).toEqual({
        kind: "busy",
        fingerprint: "fp1",
      });
      expect(await inbox.claim("a.b", "k", "fp2", T0 + 1, 30_000)).toEqual({
        kind: "busy",
        fingerprint: "fp1",
      });
    });

    it("keeps the first answer: later claims get it, bytes and ok flag exact", async () => {
      const inbox = await open();
      await inbox.claim("a.b", "k", "fp1", T0, 30_000);
      await inbox.complete("a.b", "k", true, bytes('{"balance":5}'), T0 + 10);
      const c = await inbox.claim("a.b", "k", "fp1", T0 + 60_000, 30_000);
      expect(c).toMatchObject({ kind: "done", fingerprint: "fp1", ok: true });
      expect(c.kind === "done" && new TextDecoder().decode(c.data)).toBe('{"balance":5}');
      await inbox.claim("a.b", "e", "fp", T0, 30_000);
      await inbox.complete("a.b", "e", false, bytes("{}"), T0);
      expect(await inbox.claim("a.b", "e", "fp", T0, 30_000)).toMatchObject({ kind: "done", ok: false });
    });

    it("the same key of another target is another key", async () => {
      const inbox = await open();
      await inbox.claim("a.b", "k", "fp1", T0, 30_000);
      expect(await inbox.claim("a.c", "k", "fp1", T0, 30_000)).toEqual({ kind: "claimed" });
    });

    it("takes over a lock that ran out (its holder died), with the new fingerprint", async () => {
      const inbox = await open();
      await inbox.claim("a.b", "k", "fp1", T0, 1000);
      expect(await inbox.claim("a.b", "k", "fp2", T0 + 999, 1000)).toMatchObject({ kind: "busy" });
      expect(await inbox.claim("a.b", "k", "fp2", T0 + 1000, 1000)).toEqual({ kind: "claimed" });
      expect(await inbox.claim("a.b", "k", "fp1", T0 + 1001, 1000)).toEqual({
        kind: "busy",
        fingerprint: "fp2",
      });
    });

    it("never takes over a key that has its answer", async () => {
      const inbox = await open();
      await inbox.claim("a.b", "k", "fp1", T0, 1000);
      await inbox.complete("a.b", "k", true, bytes("1"), T0 + 1);
      expect(await inbox.claim("a.b", "k", "fp1", T0 + 10_000_000, 1000)).toMatchObject({ kind: "done" });
    });

    it("release frees an unanswered key; it leaves an answered one alone", async () => {
      const inbox = await open();
      await inbox.claim("a.b", "k", "fp1", T0, 30_000);
      await inbox.release("a.b", "k");
      expect(await inbox.claim("a.b", "k", "fp1", T0, 30_000)).toEqual({ kind: "claimed" });
      await inbox.complete("a.b", "k", true, bytes("1"), T0);
      await inbox.release("a.b", "k");
      expect(await inbox.claim("a.b", "k", "fp1", T0, 30_000)).toMatchObject({ kind: "done" });
    });

    it("purge forgets answers older than the retention and dead locks, and keeps the rest", async () => {
      const inbox = await open();
      for (const [key, at] of [
        ["old", T0],
        ["new", T0 + 5000],
      ] as const) {
        await inbox.claim("a.b", key, "fp", at, 1000);
        await inbox.complete("a.b", key, true, bytes("1"), at);
      }
      await inbox.claim("a.b", "dead", "fp", T0, 1000);
      await inbox.claim("a.b", "live", "fp", T0 + 4000, 10_000);
      expect(await inbox.purge(T0 + 3000)).toBe(2);
      expect(await inbox.claim("a.b", "old", "fp", T0 + 6000, 1000)).toEqual({ kind: "claimed" });
      expect(await inbox.claim("a.b", "dead", "fp", T0 + 6000, 1000)).toEqual({ kind: "claimed" });
      expect(await inbox.claim("a.b", "new", "fp", T0 + 6000, 1000)).toMatchObject({ kind: "done" });
      expect(await inbox.claim("a.b", "live", "fp", T0 + 6000, 1000)).toMatchObject({ kind: "busy" });
    });

    it("of concurrent claims of one key exactly one is granted", async () => {
      const inbox = await open();
      const claims = await Promise.all(
        Array.from({ length: 20 }, () => inbox.claim("a.b", "k", "fp", T0, 30_000)),
      );
      expect(claims.filter((c) => c.kind === "claimed")).toHaveLength(1);
    });

    it("creates its table on first use, without migrate()", async () => {
      const f = await factory();
      fixtures.push(f);
      expect(await f.inbox.claim("a.b", "k", "fp", T0, 1000)).toEqual({ kind: "claimed" });
    });

    it("answers a ping when it has one (a store's, for /ready)", async () => {
      const inbox = await open();
      if (inbox.ping !== undefined) await inbox.ping();
    });

    it("migrates twice without harm", async () => {
      const inbox = await open();
      await inbox.migrate();
      expect(await inbox.claim("a.b", "k", "fp", T0, 1000)).toEqual({ kind: "claimed" });
    });
  });
}
