import { afterEach, describe, expect, it } from "vitest";
import type { DeclaredFlowStore, NewService } from "../../src/ports/declared-flow-store.js";

/** A fresh, empty, migrated store; `cleanup` closes it and removes what it created. */
export interface DeclaredFlowStoreFixture {
  readonly store: DeclaredFlowStore;
  cleanup(): Promise<void>;
}

const T0 = 1_700_000_000_000;
const upper: NewService = {
  id: "svc-1",
  name: "upper",
  address: "http://127.0.0.1:5001/upper",
  inputs: [{ name: "message", type: "string", description: "the text" }],
  outputs: [{ name: "message", type: "string" }],
};

/** The behaviour every `DeclaredFlowStore` adapter must show; each adapter's test calls it once. */
export function declaredFlowStoreContract(
  name: string,
  factory: () => Promise<DeclaredFlowStoreFixture>,
  skip = false,
): void {
  describe.skipIf(skip)(`declared flow store contract: ${name}`, () => {
    const fixtures: DeclaredFlowStoreFixture[] = [];
    const open = async () => {
      const f = await factory();
      fixtures.push(f);
      await f.store.migrate();
      await f.store.migrate(); // idempotent
      return f.store;
    };
    afterEach(async () => {
      for (const f of fixtures.splice(0)) await f.cleanup();
    });

    it("registers a service, and a second registration of its name updates it under the same id", async () => {
      const s = await open();
      const first = await s.putService(upper, T0);
      expect(first).toEqual({ ...upper, createdAt: T0, updatedAt: T0 });
      const again = await s.putService(
        { ...upper, id: "svc-2", address: "http://127.0.0.1:5002/up", description: "v2" },
        T0 + 5,
      );
      expect(again).toEqual({
        ...upper,
        address: "http://127.0.0.1:5002/up",
        description: "v2",
        createdAt: T0,
        updatedAt: T0 + 5,
      });
      expect(await s.getService("upper")).toEqual(again);
      expect(await s.getService("svc-1")).toEqual(again);
      expect(await s.getService("svc-2")).toBeUndefined();
    });

    it("lists services by name and deletes them by name or id", async () => {
      const s = await open();
      await s.putService({ ...upper, id: "b", name: "reverse" }, T0);
      await s.putService({ ...upper, id: "a", name: "spaces" }, T0);
      await s.putService(upper, T0);
      expect((await s.listServices()).map((x) => x.name)).toEqual(["reverse", "spaces", "upper"]);
      expect(await s.deleteService("spaces")).toBe(true);
      expect(await s.deleteService("b")).toBe(true);
      expect(await s.deleteService("b")).toBe(false);
      expect((await s.listServices()).map((x) => x.name)).toEqual(["upper"]);
    });

    it("versions definitions under one id; the latest is read by id or name, any version by number", async () => {
      const s = await open();
      const v1 = await s.putDefinition({ id: "wf-1", name: "text", definition: { steps: [1] } }, T0);
      expect(v1).toEqual({
        id: "wf-1",
        name: "text",
        version: 1,
        definition: { steps: [1] },
        createdAt: T0,
        deleted: false,
      });
      const v2 = await s.putDefinition(
        { id: "wf-ignored", name: "text", definition: { steps: [1, 2] } },
        T0 + 1,
      );
      expect(v2).toMatchObject({ id: "wf-1", version: 2, definition: { steps: [1, 2] } });
      expect(await s.getDefinition("wf-1")).toEqual(v2);
      expect(await s.getDefinition("text")).toEqual(v2);
      expect(await s.getDefinition("text", 1)).toEqual(v1);
      expect(await s.getDefinition("text", 3)).toBeUndefined();
      expect(await s.getDefinition("nope")).toBeUndefined();
      expect((await s.listVersions("wf-1")).map((d) => d.version)).toEqual([1, 2]);
    });

    it("lists the latest version of each flow by name", async () => {
      const s = await open();
      await s.putDefinition({ id: "z", name: "zeta", definition: {} }, T0);
      await s.putDefinition({ id: "a", name: "alpha", definition: { n: 1 } }, T0);
      await s.putDefinition({ id: "a2", name: "alpha", definition: { n: 2 } }, T0);
      const list = await s.listDefinitions();
      expect(list.map((d) => [d.name, d.id, d.version])).toEqual([
        ["alpha", "a", 2],
        ["zeta", "z", 1],
      ]);
    });

    it("deletes a flow: gone from lists, its versions still readable by number, numbering goes on", async () => {
      const s = await open();
      await s.putDefinition({ id: "wf", name: "gone", definition: { n: 1 } }, T0);
      expect(await s.deleteDefinition("gone", T0 + 1)).toBe(true);
      expect(await s.deleteDefinition("wf", T0 + 1)).toBe(false);
      expect(await s.getDefinition("gone")).toBeUndefined();
      expect(await s.listDefinitions()).toEqual([]);
      expect(await s.listDefinitions({ deleted: true })).toMatchObject([
        { name: "gone", version: 1, deleted: true },
      ]);
      expect(await s.listVersions("gone")).toEqual([]);
      expect(await s.getDefinition("wf", 1)).toMatchObject({
        version: 1,
        deleted: true,
        definition: { n: 1 },
      });
      const again = await s.putDefinition({ id: "other", name: "gone", definition: { n: 2 } }, T0 + 2);
      expect(again).toMatchObject({ id: "wf", version: 2, deleted: false });
      expect(await s.getDefinition("gone", 1)).toMatchObject({ definition: { n: 1 }, deleted: false });
    });

    it("numbers concurrent submissions of one name without gaps or duplicates", async () => {
      const s = await open();
      const made = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          s.putDefinition({ id: `id-${i}`, name: "busy", definition: { i } }, T0),
        ),
      );
      expect(made.map((d) => d.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(new Set(made.map((d) => d.id)).size).toBe(1);
    });
  });
}
