import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteFile } from "../../src/config/sqlite-file.js";
import { openStores } from "../../src/config/store-set.js";
import { parseStoreUrl } from "../../src/config/store-url.js";

// Regression: a `sqlite:` store in a folder nothing had created failed with "Cannot open database
// because the directory does not exist".
const tmp = mkdtempSync(join(tmpdir(), "tesserae-sqlite-file-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("a sqlite: store", () => {
  it("creates the folder of its file", () => {
    const database = openSqliteFile(join(tmp, "a", "b", "dev.db"));
    database.close();
    expect(existsSync(join(tmp, "a", "b", "dev.db"))).toBe(true);
  });

  it("resolves a relative path against the project's folder, and creates it there", async () => {
    const store = parseStoreUrl("sqlite:.tesserae/dev.db", join(tmp, "project"));
    expect(store.path).toBe(join(tmp, "project", ".tesserae", "dev.db"));
    const stores = openStores(store);
    stores.flowStore();
    await stores.close();
    expect(existsSync(join(tmp, "project", ".tesserae", "dev.db"))).toBe(true);
  });
});
