import { createGateway, createNode } from "tesserae";
import { memoryTransport } from "tesserae/memory";
import { testClient } from "tesserae/testing";
import { describe, expect, it } from "vitest";
import { greeter } from "../src/greeter.js";

// The test gives the service its environment, so that it does not depend on the machine's.
const node = createNode({
  services: [greeter],
  transport: memoryTransport(),
  env: { GREETER_GREETING: "Hi" },
});
const client = testClient(createGateway(node));

describe("greeter", () => {
  it("greets by name, with the configured greeting", async () => {
    const res = await client.post("/greeter/greet", { name: "Ada" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ text: "Hi, Ada!" });
  });

  it("refuses an empty name with a 400 naming the field", async () => {
    const res = await client.post("/greeter/greet", { name: "" });
    expect(res.status).toBe(400);
    expect(res.text).toContain("name");
  });
});
