import { describe, expect, it } from "vitest";
import { v1Event, v2Event } from "./fixtures/events.js";
import { fixtureHandler, json } from "./fixtures/handler.js";

const handler = fixtureHandler();

async function refused(event: unknown, message: string | RegExp) {
  const r = (await handler(event)) as { statusCode: number; body: string; headers: Record<string, string> };
  expect(r.statusCode).toBe(400);
  expect(r.headers["content-type"]).toContain("application/json");
  const body = json(r) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("TESSERA_BAD_REQUEST");
  expect(body.error.message).toMatch(message);
  return r;
}

describe("bad events get a clear 400, never a crash", () => {
  it("events that are not events", async () => {
    await refused(null, "the event is null");
    await refused("GET /", "the event is a string");
    await refused([1], "the event is an array");
    await refused({}, /unrecognised event \(keys: none\): expected an API Gateway REST \(v1\)/);
    await refused({ Records: [] }, /keys: Records/);
  });

  it("a payload format version Tesserae does not know", async () => {
    await refused(
      { ...v2Event({ method: "GET", path: "/x" }), version: "3.0" },
      'unsupported payload format version "3.0"',
    );
  });

  it("HTTP events missing what they need", async () => {
    const v2 = v2Event({ method: "GET", path: "/text/upper" });
    await refused(
      { ...v2, requestContext: { ...v2.requestContext, http: undefined } },
      "requestContext.http must be an object",
    );
    await refused({ ...v2, rawPath: "text" }, 'rawPath must start with "/"');
    await refused({ ...v2, rawQueryString: 5 }, "rawQueryString must be a string");
    const v1 = v1Event({ method: "GET", path: "/text/upper" });
    await refused(
      { ...v1, path: undefined },
      "invalid API Gateway v1 event: path must be a non-empty string",
    );
    await refused({ ...v1, requestContext: null }, "requestContext must be an object");
    await refused({ ...v1, headers: "x" }, "headers must be an object");
    await refused({ ...v1, body: { message: "hi" } }, "body must be a string or null");
    await refused({ tessera: "later" }, 'unknown Tesserae event "later"');
  });

  it("an ALB event missing its method answers in the ALB format", async () => {
    const r = (await handler({ requestContext: { elb: {} }, path: "/text/upper" })) as Record<
      string,
      unknown
    >;
    expect(r).toMatchObject({ statusCode: 400, statusDescription: "400 Bad Request" });
  });
});
