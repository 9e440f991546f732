// Issue 16, item 1: machinery's paths accept what machinery accepts, tried with machinery's own
// material (test/fixtures/machinery: its README, its example definitions, its acceptance
// collection; verbatim). Its workflows carry "operations": [] (machinery's schema excludes unknown
// fields) and declare a `space_count` output that no service provides; both were refused with 409.
import { afterEach, describe, expect, it } from "vitest";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";
import {
  acceptanceCollection,
  exampleDefinitions,
  readmeStructures,
  startUpperService,
  substitute,
} from "./machinery-material.js";

const spaceCountWarning = {
  field: "outputs.1",
  message: 'No flow input or earlier step provides "space_count".',
};
const operationsWarning = { field: "operations", message: "Unknown field: ignored." };

describe("machinery's own material on machinery's paths", () => {
  let f: DeclaredFixture | undefined;
  let upper: Awaited<ReturnType<typeof startUpperService>> | undefined;
  afterEach(async () => {
    await f?.stop();
    await upper?.stop();
    f = undefined;
    upper = undefined;
  });

  it("its acceptance collection passes request by request: each answers the status its test script expects", async () => {
    // A registry with none of the text entries under short names: as machinery, empty at first.
    f = await declaredFixture({ aliases: {} });
    upper = await startUpperService();
    const vars: Record<string, string> = { APP_URL: "app", UPPER_URL: upper.host };
    const answers: { name: string; status: number; body: unknown }[] = [];
    for (const request of acceptanceCollection()) {
      const path = substitute(request.url, vars).replace(/^http:\/\/app/, "");
      const res = await f.client.request(request.method, path, undefined, {
        raw: substitute(request.body, vars),
        headers: { "content-type": "application/json" },
      });
      expect(res.status, `${request.name}: ${res.text}`).toBe(request.status);
      for (const s of request.saves) vars[s.variable] = (res.body as Record<string, string>)[s.key]!;
      answers.push({ name: request.name, status: res.status, body: res.body });
    }
    expect(answers).toEqual([
      { name: "Create the upper Service", status: 201, body: { service_id: expect.any(String) } },
      {
        name: "Create a Workflow",
        status: 201,
        body: { workflow_id: expect.any(String), warnings: [operationsWarning, spaceCountWarning] },
      },
      {
        name: "Do not create Workflow if test not exist",
        status: 409,
        body: { message: "services reverse, space-counter do not exist" },
      },
      {
        name: "Process an event using a workflow with Upper service",
        status: 201,
        // machinery's answer: the merged data — the message upper-cased by its upper service.
        body: { message: "THE SUN WILL SOON RISE AGAIN !" },
      },
    ]);
  });

  it("its README's workflow, over the three example services it links to, is accepted with warnings", async () => {
    f = await declaredFixture({ aliases: {} });
    for (const service of [readmeStructures().service, ...exampleDefinitions.services]) {
      const s = await f.client.post("/s", service);
      expect(s.status, s.text).toBe(201);
    }
    for (const workflow of [readmeStructures().workflow, exampleDefinitions.workflow]) {
      const w = await f.client.post("/w", workflow);
      expect(w.status, w.text).toBe(201);
      expect(w.body).toEqual({
        workflow_id: expect.any(String),
        warnings: [operationsWarning, spaceCountWarning],
      });
    }
    // The stored definition has no trace of the ignored field.
    expect((await f.declared.definition("process-text")).definition).not.toHaveProperty("operations");
  });

  it("its README's event (`{data: …}`) runs its README's workflow: 201 with the merged data", async () => {
    // The text entries under the names of machinery's example services (as the example system has them).
    f = await declaredFixture({
      aliases: { upper: "text.upper", reverse: "text.reverse", "space-counter": "text.spaces" },
    });
    const w = await f.client.post("/w", readmeStructures().workflow);
    expect(w.status, w.text).toBe(201);
    const e = await f.client.post(
      `/e/${(w.body as { workflow_id: string }).workflow_id}`,
      readmeStructures().event,
    );
    expect(e.status, e.text).toBe(201);
    // No service provides space_count (the spaces entry answers `count`): the answer is the merged
    // data, not the declared outputs it has.
    expect(e.body).toEqual({ message: "! GNINROM EHT NI ESIR LLIW NUS EHT", count: 7 });
    expect(exampleDefinitions.event).toEqual(readmeStructures().event);
  });
});
