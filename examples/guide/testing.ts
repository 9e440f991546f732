import { createGateway, createNode } from "tesserae";
import { memoryTransport } from "tesserae/memory";
import { testClient } from "tesserae/testing";
import { hello } from "./hello.js";

export async function checkGreeting(): Promise<void> {
  const node = createNode({ services: [hello], transport: memoryTransport() });
  const client = testClient(createGateway(node));
  const res = await client.post("/hello/greet", { name: "Ada" });
  if (res.status !== 200) throw new Error(`unexpected ${res.status}: ${res.text}`);
  // Or call the entry itself, typed:
  const { text } = await node.call(hello.entries.greet, { name: "Ada" });
  console.log(text);
}
