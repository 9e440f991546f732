import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TesseraError } from "../../src/core/errors.js";
import type { EventStore, FindDocumentsOptions } from "../../src/ports/event-store.js";
import type { StoreFactory, StoreFixture } from "./event-store-contract.js";

/** Mixed types on purpose: a string "100" beside numbers, a boolean, nulls, absent fields, accents. */
const accounts: Record<string, unknown> = {
  a1: { owner: "Ada", balance: 100, tier: "gold", active: true, address: { city: "Paris" } },
  a2: { owner: "Bob", balance: 250.5, tier: "silver", active: false, address: { city: "Lyon" } },
  a3: { owner: "Cy", balance: "100", tier: null, active: true, address: { city: "Paris" } },
  a4: { owner: "Dee", balance: 5, address: { city: "Zürich" } },
  a5: { owner: "Éva", balance: -20, tier: "gold", active: true, address: { city: "Paris" }, tags: ["x"] },
  a6: { owner: "eve", balance: 1e3, tier: "bronze", active: true },
  a7: { owner: "Zed", balance: 100.0, tier: "gold" },
  a8: { owner: "😀", balance: true, tier: "gold" },
  a9: { owner: "Ａ", balance: 7 },
};

/**
 * Document queries pushed down to the store (issue 17, the read side): every adapter gives the same
 * answer to the same `findDocuments(collection, { where, orderBy, after, limit })`. Each adapter's
 * test file calls it next to `eventStoreContract`, with the same factory.
 */
export function eventStoreQueryContract(name: string, factory: StoreFactory, skip = false): void {
  describe.skipIf(skip)(`event store query contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: EventStore;
    beforeEach(async () => {
      fixture = await factory({});
      store = fixture.store;
      await store.transaction(async (tx) => {
        for (const [id, doc] of Object.entries(accounts)) await tx.putDocument("accounts", id, doc);
        await tx.putDocument("other", "a1", { owner: "Ada", balance: 100 });
      });
    });
    afterEach(() => fixture.cleanup());

    const ids = async (options: FindDocumentsOptions) =>
      (await store.findDocuments("accounts", options)).map((r) => r.id);

    it("matches equality by type: a number matches numbers only, a string strings only", async () => {
      expect(await ids({ where: { owner: "Ada" } })).toEqual(["a1"]);
      expect(await ids({ where: { balance: 100 } })).toEqual(["a1", "a7"]);
      expect(await ids({ where: { balance: "100" } })).toEqual(["a3"]);
      expect(await ids({ where: { balance: 1000 } })).toEqual(["a6"]);
      expect(await ids({ where: { balance: 250.5 } })).toEqual(["a2"]);
      expect(await ids({ where: { active: true } })).toEqual(["a1", "a3", "a5", "a6"]);
      expect(await ids({ where: { active: { eq: false } } })).toEqual(["a2"]);
    });

    it("matches null for a field that is null or absent", async () => {
      expect(await ids({ where: { tier: null } })).toEqual(["a3", "a4", "a9"]);
      expect(await ids({ where: { "address.city": null } })).toEqual(["a6", "a7", "a8", "a9"]);
      // A path through a string finds nothing there.
      expect(await ids({ where: { "owner.first": null } })).toHaveLength(9);
    });

    it("compares number ranges numerically and leaves out fields of other types", async () => {
      expect(await ids({ where: { balance: { gte: 100 } } })).toEqual(["a1", "a2", "a6", "a7"]);
      expect(await ids({ where: { balance: { gt: 5, lt: 250.5 } } })).toEqual(["a1", "a7", "a9"]);
      expect(await ids({ where: { balance: { lte: 5 } } })).toEqual(["a4", "a5"]);
    });

    it("compares string ranges by code point, not by a locale's collation", async () => {
      // "Éva" (U+00C9) is after "f"; a locale would put it among the E's.
      expect(await ids({ where: { owner: { gte: "E", lt: "f" } } })).toEqual(["a6", "a7"]);
    });

    it("matches in: a list of values of any type, null included", async () => {
      expect(await ids({ where: { tier: { in: ["gold", "silver"] } } })).toEqual([
        "a1",
        "a2",
        "a5",
        "a7",
        "a8",
      ]);
      expect(await ids({ where: { tier: { in: ["bronze", null] } } })).toEqual(["a3", "a4", "a6", "a9"]);
      expect(await ids({ where: { balance: { in: [5, "100"] } } })).toEqual(["a3", "a4"]);
      expect(await ids({ where: { tier: { in: [] } } })).toEqual([]);
    });

    it("ANDs the fields, dotted paths included, within one collection", async () => {
      expect(await ids({ where: { "address.city": "Paris", tier: "gold" } })).toEqual(["a1", "a5"]);
      expect(await store.findDocuments("other", { where: { balance: { gte: 0 } } })).toEqual([
        { id: "a1", doc: { owner: "Ada", balance: 100 } },
      ]);
    });

    it("orders by a field: numbers, then strings by code point; other kinds first; ties by id", async () => {
      expect(await ids({ orderBy: { field: "owner" } })).toEqual([
        "a1",
        "a2",
        "a3",
        "a4",
        "a7",
        "a6",
        "a5",
        "a9",
        "a8",
      ]);
      expect(await ids({ orderBy: { field: "balance", direction: "desc" }, limit: 4 })).toEqual([
        "a3",
        "a6",
        "a2",
        "a1",
      ]);
      expect(await ids({ where: { tier: "gold" }, orderBy: { field: "balance" } })).toEqual([
        "a8",
        "a5",
        "a1",
        "a7",
      ]);
      expect(await ids({ orderBy: [{ field: "tier" }, { field: "balance", direction: "desc" }] })).toEqual([
        "a3",
        "a9",
        "a4",
        "a6",
        "a1",
        "a7",
        "a5",
        "a8",
        "a2",
      ]);
    });

    it("pages by id with after and limit beside the conditions", async () => {
      expect(await ids({ where: { tier: "gold" }, after: "a1" })).toEqual(["a5", "a7", "a8"]);
      expect(await ids({ where: { tier: "gold" }, after: "a1", limit: 2 })).toEqual(["a5", "a7"]);
      expect(await ids({ limit: 2 })).toEqual(["a1", "a2"]);
    });

    it("takes values as parameters: a quote in a value is a value", async () => {
      expect(await ids({ where: { owner: "x' OR '1'='1" } })).toEqual([]);
      expect(await ids({ where: { owner: { in: ["Ada", "') OR 1=1 --"] } } })).toEqual(["a1"]);
    });

    it("refuses a field path, a condition or a value it does not know, TESSERA_VALIDATION", async () => {
      const refused = async (options: FindDocumentsOptions) => {
        const err = await store.findDocuments("accounts", options).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TesseraError);
        expect((err as TesseraError).code).toBe("TESSERA_VALIDATION");
      };
      await refused({ where: { "owner') IS NULL; --": 1 } });
      await refused({ where: { "a..b": 1 } });
      await refused({ where: { balance: { like: "1%" } as never } });
      await refused({ where: { balance: { lt: true } as never } });
      await refused({ where: { balance: { in: [{}] } as never } });
      await refused({ where: { balance: Number.NaN } });
      await refused({ orderBy: { field: "owner desc" } });
    });

    // Found by an outside user: these answered 500 with the database's own error, or each store
    // did something else (SQLite refused 997 ORed equalities as an expression tree too deep).
    it("takes an in list of 1000 values on every store", async () => {
      const list = [...Array.from({ length: 998 }, (_, i) => i + 2000), 100, "100"];
      expect(await ids({ where: { balance: { in: list } } })).toEqual(["a1", "a3", "a7"]);
      const names = [...Array.from({ length: 999 }, (_, i) => `n${i}`), "Bob"];
      expect(await ids({ where: { owner: { in: names } } })).toEqual(["a2"]);
      expect(await ids({ where: { active: { in: Array.from({ length: 1000 }, () => false) } } })).toEqual([
        "a2",
      ]);
    });

    it("refuses a limit that is no whole number, an after that is no id and a misspelt option, the same on every store", async () => {
      const refused = async (options: unknown) => {
        const err = await store.findDocuments("accounts", options as never).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TesseraError);
        expect((err as TesseraError).code).toBe("TESSERA_VALIDATION");
      };
      for (const limit of [-1, 1.5, Number.NaN, "10", "abc"]) await refused({ limit });
      await refused({ after: { x: 1 } });
      await refused({ after: 5 });
      await refused({ wher: { owner: "Ada" } });
      await refused({ orderBy: 7 });
      // null is no options; a field name alone orders by it.
      expect((await store.findDocuments("accounts", null as never)).map((r) => r.id)).toHaveLength(9);
      expect(await ids({ where: { tier: "gold" }, orderBy: "owner" as never })).toEqual([
        "a1",
        "a7",
        "a5",
        "a8",
      ]);
    });
  });
}
