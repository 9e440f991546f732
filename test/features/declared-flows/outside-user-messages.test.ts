// Issue 16 follow-up, item 8: messages that named the wrong thing. JSONata's Arguments and Items
// were refused under "…QueryLanguage"; an address written HTTP://… was "Not a valid URL.", and so
// were file: and gopher: addresses, which the egress policy refuses (by name); a too-short
// TESSERA_MANAGEMENT_TOKEN was reported as "management.token must be …".
import { afterEach, describe, expect, it } from "vitest";
import { resolveManagementSettings } from "../../../src/config/management-settings.js";
import { type DeclaredFixture, declaredFixture } from "./fixture.js";
import { startUpperService } from "./machinery-material.js";

describe("refusals name what is wrong", () => {
  let f: DeclaredFixture | undefined;
  let upper: Awaited<ReturnType<typeof startUpperService>> | undefined;
  afterEach(async () => {
    await f?.stop();
    await upper?.stop();
    f = undefined;
    upper = undefined;
  });

  it("refuses JSONata's Arguments and Items under their own paths, saying what to use", async () => {
    f = await declaredFixture();
    const definition = {
      StartAt: "T",
      States: {
        T: { Type: "Task", Resource: "upper", Arguments: { message: "x" }, Next: "M" },
        M: {
          Type: "Map",
          Items: [1, 2],
          ItemProcessor: { StartAt: "P", States: { P: { Type: "Succeed" } } },
          End: true,
        },
      },
    };
    const res = await f.client.post("/declared/flows", { name: "jsonata", language: "asl", definition });
    expect(res.status).toBe(400);
    expect((res.body as { error: { details: { fields: object } } }).error.details.fields).toEqual({
      "definition.States.T.Arguments": [
        "Arguments is a JSONata field and only JSONPath is supported: use Parameters.",
      ],
      "definition.States.M.Items": [
        "Items is a JSONata field and only JSONPath is supported: use ItemsPath.",
      ],
    });
  });

  it("reads an address whose scheme is in capitals (HTTP://…) and calls it", async () => {
    f = await declaredFixture({ aliases: {} });
    upper = await startUpperService();
    const s = await f.client.post("/s", {
      name: "upper",
      address: `HTTP://${upper.host}/event`,
      inputs: [{ name: "message", type: "string" }],
    });
    expect(s.status, s.text).toBe(201);
    const w = await f.client.post("/w", {
      name: "shout",
      services: ["upper"],
      inputs: [{ name: "message", type: "string" }],
    });
    const e = await f.client.post(`/e/${(w.body as { workflow_id: string }).workflow_id}`, { message: "hi" });
    expect(e.body).toEqual({ message: "HI" });
  });

  it.each(["file:///etc/passwd", "gopher://127.0.0.1:70/_x", "ftp://example.org/x"])(
    "refuses %s by the egress policy, naming its scheme, not as an invalid URL",
    async (address) => {
      f = await declaredFixture();
      const res = await f.client.post("/s", { name: "elsewhere", address });
      expect(res.status).toBe(409);
      const [message] = (res.body as { address: string[] }).address;
      expect(message).toMatch(/^Refused by the egress policy: the scheme \w+: is not allowed/);
    },
  );

  it("still refuses what is no URL at all", async () => {
    f = await declaredFixture();
    for (const address of ["not a url", "http://exa mple.org/", ""])
      expect((await f.client.post("/s", { name: "x", address })).body).toEqual({
        address: ["Not a valid URL."],
      });
  });

  it("names TESSERA_MANAGEMENT_TOKEN when the token it gives is too short, without printing it", () => {
    const short = "tooshort-123";
    const read = () =>
      resolveManagementSettings({ TESSERA_MANAGEMENT_TOKEN: short }, undefined, undefined, undefined);
    expect(read).toThrow("TESSERA_MANAGEMENT_TOKEN must be at least 16 characters (it has 12;");
    expect(read).not.toThrow(short);
  });
});
