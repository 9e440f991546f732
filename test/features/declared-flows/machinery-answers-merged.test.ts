// Issue 16 follow-up, item 4: machinery's own example services did not run on Tesserae. Its
// examples/services/space_counter/app.py (tbobm/machinery 555f74a) answers
// `flask.make_response({'message': message.count(" ")})` — `{"message": 6}` — although its
// service-space-counter.json (test/fixtures/machinery/examples/definitions) declares `message` a
// string; Tesserae answered 502 "answered outputs that do not fit its declaration", machinery merges
// the answer and returns 201. On machinery's paths (a workflow from /w) the answer is now merged as
// it is, with a warning logged (run, service, step, field); /declared flows stay strict.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../../src/core/logger.js";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";
import { exampleDefinitions } from "./machinery-material.js";

/** machinery's space_counter service, as its app.py answers `POST /event`: the number of spaces under `message`. */
async function startSpaceCounter(): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const message = (JSON.parse(raw || "{}") as { message?: string }).message ?? "";
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ message: message.split(" ").length - 1 }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/event`,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe("an answer that does not fit its declaration is merged on machinery's paths", () => {
  let f: DeclaredFixture | undefined;
  let counter: Awaited<ReturnType<typeof startSpaceCounter>> | undefined;
  afterEach(async () => {
    await f?.stop();
    await counter?.stop();
  });

  it("runs machinery's space-counter example from /w: 201 with {message: 6} and a warning naming the field", async () => {
    const lines: string[] = [];
    f = await declaredFixture({
      aliases: {},
      logger: createLogger({ level: "warn", format: "json", write: (l) => lines.push(l) }),
    });
    counter = await startSpaceCounter();
    const declared = exampleDefinitions.services.find(
      (s) => (s as { name: string }).name === "space-counter",
    ) as object;
    expect((await f.client.post("/s", { ...declared, address: counter.url })).status).toBe(201);
    const w = await f.client.post("/w", {
      name: "count-spaces",
      services: ["space-counter"],
      inputs: [{ name: "message", type: "string" }],
    });
    expect(w.status).toBe(201);
    const id = (w.body as { workflow_id: string }).workflow_id;
    const e = await f.client.post(`/e/${id}`, { message: "a b c d e f g" });
    expect(e.status).toBe(201);
    expect(e.body).toEqual({ message: 6 });
    const warning = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.service === "space-counter");
    expect(warning).toMatchObject({
      level: "warn",
      step: "space-counter",
      fields: { message: [expect.any(String)] },
    });
    expect(warning?.runId).toEqual(expect.any(String));
  });

  it("keeps /declared flows strict: the same service's answer fails the step", async () => {
    f = await declaredFixture({ aliases: {} });
    counter = await startSpaceCounter();
    const declared = exampleDefinitions.services.find(
      (s) => (s as { name: string }).name === "space-counter",
    ) as object;
    expect((await f.client.post("/declared/services", { ...declared, address: counter.url })).status).toBe(
      201,
    );
    expect(
      (
        await f.client.post("/declared/flows", {
          name: "count-spaces",
          services: ["space-counter"],
          inputs: [{ name: "message", type: "string" }],
        })
      ).status,
    ).toBe(201);
    const e = await f.client.post("/declared/flows/count-spaces/events", { data: { message: "a b" } });
    expect(e.body).toMatchObject({ status: "failed" });
    expect(JSON.stringify(e.body)).toContain("do not fit its declaration");
  });
});
