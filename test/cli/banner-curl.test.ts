import { describe, expect, it } from "vitest";
import { curlOf } from "../../src/cli/banner.js";

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
