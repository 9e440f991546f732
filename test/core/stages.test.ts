import { describe, expect, it } from "vitest";
import { entry } from "../../src/core/entry.js";
import { service } from "../../src/core/service.js";
import { failsWith, useNodes } from "./fixtures.js";

const tools = service("tools", {
  entries: {
    status: entry(() => "up"),
    reset: entry({ stages: ["dev", "test"] }, () => "reset"),
    audit: entry({ stages: ["prod"] }, () => "audited"),
  },
});

describe("entries limited to stages", () => {
  const startNode = useNodes();

  it("serves the entries of the node's stage, `dev` by default", async () => {
    const node = await startNode({ services: [tools] });
    expect(node.stage).toBe("dev");
    expect(await node.call(tools.entries.status)).toBe("up");
    expect(await node.call(tools.entries.reset)).toBe("reset");
    expect(node.routes.map((r) => r.entry.id)).toEqual(["tools.status", "tools.reset"]);
  });

  it("fails with TESSERA_NOT_FOUND for an entry outside the stage", async () => {
    const node = await startNode({ services: [tools], stage: "prod" });
    expect(await node.call(tools.entries.audit)).toBe("audited");
    const err = await failsWith(node.call(tools.entries.reset), "TESSERA_NOT_FOUND");
    expect(err.message).toContain("tools.reset");
    expect(err.message).toContain("prod");
    expect(node.routes.map((r) => r.entry.id)).toEqual(["tools.status", "tools.audit"]);
  });
});
