import { describe, expect, it } from "vitest";
import { banner, curlOf } from "../../src/cli/banner.js";

describe("the banner's sample curl commands", () => {
  it("sends a path parameter in the path only, not again in the body", () => {
    expect(
      curlOf("http://localhost:3000", {
        method: "PUT",
        path: "/orders/:id",
        entry: "orders.update",
        sample: { id: "o-1", qty: 2 },
      }),
    ).toBe(
      `curl -s -X PUT http://localhost:3000/orders/o-1 -H 'content-type: application/json' -d '{"qty":2}'`,
    );
  });

  it("sends no body when the path holds the whole sample", () => {
    expect(
      curlOf("http://localhost:3000", {
        method: "POST",
        path: "/orders/:id/close",
        entry: "orders.close",
        sample: { id: "o-1" },
      }),
    ).toBe("curl -s -X POST http://localhost:3000/orders/o-1/close");
  });

  it("puts a GET's other fields in the query", () => {
    expect(
      curlOf("http://localhost:3000", {
        method: "GET",
        path: "/orders/:id",
        entry: "orders.get",
        sample: { id: "a b", full: true },
      }),
    ).toBe("curl -s 'http://localhost:3000/orders/a%20b?full=true'");
  });
});

describe("the banner's try lines", () => {
  it("suggested POST /flows/hello%20world/runs, which answers 404: routes without path parameters come first", () => {
    const noColour = { bold: (s: string) => s, dim: (s: string) => s, cyan: (s: string) => s } as never;
    const text = banner(
      noColour,
      {
        name: "app",
        stage: "dev",
        transport: "memory",
        store: "memory",
        routes: [
          {
            method: "POST",
            path: "/flows/:name/runs",
            entry: "flows.start",
            sample: { name: "hello world" },
          },
          { method: "GET", path: "/flows/runs", entry: "flows.list" },
          { method: "POST", path: "/text/upper", entry: "text.upper", sample: { message: "hello world" } },
        ],
      },
      "http://localhost:3000",
    );
    const tries = text.split("try:")[1]!;
    expect(tries).toContain("/flows/runs");
    expect(tries).toContain("/text/upper");
    expect(tries.indexOf("/text/upper")).toBeLessThan(tries.indexOf("hello%20world"));
  });
});
