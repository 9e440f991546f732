import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { handler } from "../../../examples/guide/lambda.js";
import { v2Event } from "./fixtures/events.js";

// The README's hand-written handler (examples/guide/lambda.ts) answers events; its results go to
// .tessera/results under the working directory (ignored by git).
const key = `guide-test-${process.pid}/1.json`;
afterAll(() => rmSync(join(".tessera", "results", key.split("/")[0]!), { recursive: true, force: true }));

describe("the guide's Lambda handler", () => {
  it("answers an HTTP API event, and stores an async invocation read back by a result event", async () => {
    const r = await handler(
      v2Event({
        method: "POST",
        path: "/pipeline/process",
        headers: { "content-type": "application/json" },
        body: '{"message":"a b"}',
      }),
    );
    expect(r).toMatchObject({ statusCode: 200, body: '{"message":"B A","count":1}' });
    const stored = await handler({
      tessera: "async",
      key,
      request: { method: "POST", path: "/text/upper", body: { message: "x" } },
    });
    expect(stored).toMatchObject({ key, status: 200, body: '{"message":"X"}' });
    expect(await handler({ tessera: "result", key })).toEqual(stored);
  });
});
