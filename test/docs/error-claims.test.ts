import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import { holds, replicatedStates, state } from "../../src/features/states/index.js";
import { configModel, createGateway, createNode, entry, service } from "../../src/index.js";
import { testClient } from "../../src/testing/index.js";

// What the README's errors table says of when each code is raised, checked on a gateway
// (regression: it said a missing body was TESSERA_BAD_REQUEST, and TESSERA_DEFINITION never
// happened at run time).

const model = configModel({ region: { schema: z.string(), default: "eu" } });
const quotes = state("quotes", z.record(z.string(), z.number()), { initial: {} });
const holder = service("holder", { uses: [holds(quotes)], entries: {} });
const shop = service("shop", {
  entries: {
    order: entry({ input: z.object({ sku: z.string() }) }, ({ sku }) => ({ sku })),
    getRegion: entry((_input, ctx) => ctx.config(model)), // `shop` declares no config model
    getQuotes: entry((_input, ctx) => ctx.use(quotes).value), // `shop` neither owns nor holds it
  },
});

async function client() {
  const node = createNode({
    services: [shop, holder],
    transport: memoryTransport(),
    plugins: [replicatedStates()],
  });
  await node.start();
  return { http: testClient(createGateway(node)), stop: () => node.stop() };
}

const codeOf = (text: string) => (JSON.parse(text) as { error: { code: string } }).error.code;

describe("the errors table", () => {
  it("a missing body is TESSERA_VALIDATION, malformed JSON TESSERA_BAD_REQUEST", async () => {
    const { http, stop } = await client();
    try {
      const missing = await http.post("/shop/order");
      expect([missing.status, codeOf(missing.text)]).toEqual([400, "TESSERA_VALIDATION"]);
      const malformed = await http.request("POST", "/shop/order", undefined, {
        headers: { "content-type": "application/json" },
        raw: "{sku",
      });
      expect([malformed.status, codeOf(malformed.text)]).toEqual([400, "TESSERA_BAD_REQUEST"]);
    } finally {
      await stop();
    }
  });

  it("TESSERA_DEFINITION on a request: a config model or a state the service does not declare", async () => {
    const { http, stop } = await client();
    try {
      for (const path of ["/shop/region", "/shop/quotes"]) {
        const res = await http.get(path);
        expect([res.status, codeOf(res.text)]).toEqual([500, "TESSERA_DEFINITION"]);
      }
    } finally {
      await stop();
    }
  });
});
