import { describe, expect, it } from "vitest";
import { z } from "zod";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import type { EntryOptions } from "../../src/core/context.js";
import { entry } from "../../src/core/entry.js";
import { TesseraError } from "../../src/core/errors.js";
import { silentLogger } from "../../src/core/logger.js";
import { createNode } from "../../src/core/node.js";
import { routeOf, routeTable } from "../../src/core/routes.js";
import { type AnyEntries, type ServiceOptions, service } from "../../src/core/service.js";

const Id = z.object({ id: z.string() });
const noop = () => undefined;

/** The `METHOD /path` of one entry of a one-entry service. */
function routeFor(name: string, options: EntryOptions = {}, svc: Partial<ServiceOptions<AnyEntries>> = {}) {
  const s = service("svc", { ...svc, entries: { [name]: entry(options as never, noop) } });
  const r = routeOf(s, s.entries[name]!);
  return `${r.method} ${r.path}`;
}

function definitionError(fn: () => unknown): TesseraError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    expect((err as TesseraError).code).toBe("TESSERA_DEFINITION");
    return err as TesseraError;
  }
  throw new Error("expected a definition error");
}

describe("routes by naming convention", () => {
  it.each([
    ["get", "GET /svc"],
    ["getContent", "GET /svc/content"],
    ["post", "POST /svc"],
    ["putContent", "PUT /svc/content"],
    ["patchContent", "PATCH /svc/content"],
    ["deleteContent", "DELETE /svc/content"],
    ["upper", "POST /svc/upper"],
    ["getter", "POST /svc/getter"],
    ["postage", "POST /svc/postage"],
    ["get2", "GET /svc/2"],
    ["get_items", "GET /svc/items"],
  ])("%s → %s", (name, expected) => {
    expect(routeFor(name)).toBe(expected);
  });

  it.each([
    ["getContentItems", "GET /svc/content-items"],
    ["postHTTPStatus", "POST /svc/http-status"],
    ["getV2Items", "GET /svc/v2-items"],
    ["deleteAll_items", "DELETE /svc/all-items"],
  ])("turns the rest of the name to kebab case: %s → %s", (name, expected) => {
    expect(routeFor(name)).toBe(expected);
  });

  it("appends `params` as path parameters", () => {
    const s = service("orders", { entries: { getOrder: entry({ input: Id, params: ["id"] }, noop) } });
    const r = routeOf(s, s.entries.getOrder);
    expect({ method: r.method, path: r.path, params: r.params }).toEqual({
      method: "GET",
      path: "/orders/order/:id",
      params: ["id"],
    });
    expect(r.entry).toBe(s.entries.getOrder);
    expect(r.service).toBe(s);
  });

  it("honours the service's basePath, `/` included", () => {
    expect(routeFor("getContent", {}, { basePath: "/api/v1" })).toBe("GET /api/v1/content");
    expect(routeFor("getContent", {}, { basePath: "/" })).toBe("GET /content");
    expect(routeFor("get", {}, { basePath: "/" })).toBe("GET /");
  });
});

describe("route overrides", () => {
  it('takes verb and path from `route: "VERB /path"`', () => {
    const s = service("svc", { entries: { find: entry({ input: Id, route: "GET /orders/:id" }, noop) } });
    const r = routeOf(s, s.entries.find);
    expect([r.method, r.path, r.params]).toEqual(["GET", "/orders/:id", ["id"]]);
  });

  it("keeps the conventional verb when `route` is a path alone", () => {
    expect(routeFor("deleteThing", { input: Id, route: "/things/:id" })).toBe("DELETE /things/:id");
    expect(routeFor("archive", { route: "/archive-now" })).toBe("POST /archive-now");
  });

  it("accepts a lower-case verb and surrounding spaces", () => {
    expect(routeFor("find", { route: "  put   /x  " })).toBe("PUT /x");
  });
});

describe("invalid routes", () => {
  it.each([
    ["an unknown verb", { route: "FETCH /x" }, /unknown verb/],
    ["too many words", { route: "GET /x extra" }, /must be "VERB \/path"/],
    ["a path without a leading slash", { route: "GET x" }, /must start with "\/"/],
    ["an empty segment", { route: "/a//b" }, /invalid segment ""/],
    ["a trailing slash", { route: "/a/" }, /invalid segment ""/],
    ["a segment with a space-like character", { route: "/a/b%20c" }, /invalid segment "b%20c"/],
    ["a repeated parameter", { input: Id, route: "/a/:id/:id" }, /repeats the parameter :id/],
    ["both `route` and `params`", { input: Id, route: "/a/:id", params: ["id"] }, /not both/],
    ["path parameters without an input schema", { params: ["id"] }, /no input schema/],
  ])("refuses %s with TESSERA_DEFINITION naming the entry", (_what, options, message) => {
    const err = definitionError(() => routeFor("thing", options));
    expect(err.message).toMatch(message);
    expect(err.message).toContain("svc.thing");
  });
});

describe("routeTable", () => {
  it("lists the routes of every service", () => {
    const a = service("a", { entries: { get: entry(noop), post: entry(noop) } });
    const b = service("b", { entries: { getOne: entry(noop) } });
    expect(routeTable([a, b], "dev").map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /a",
      "POST /a",
      "GET /b/one",
    ]);
  });

  it("refuses duplicate routes, naming both entries", () => {
    const a = service("a", { entries: { list: entry({ route: "GET /shared" }, noop) } });
    const b = service("b", { entries: { all: entry({ route: "GET /shared" }, noop) } });
    const err = definitionError(() => routeTable([a, b], "dev"));
    expect(err.message).toContain("GET /shared");
    expect(err.message).toContain("a.list");
    expect(err.message).toContain("b.all");
  });

  it("treats routes that differ only by parameter names as duplicates", () => {
    const s = service("s", {
      entries: {
        one: entry({ input: Id, route: "GET /x/:id" }, noop),
        two: entry({ input: z.object({ key: z.string() }), route: "GET /x/:key" }, noop),
      },
    });
    const err = definitionError(() => routeTable([s], "dev"));
    expect(err.message).toContain("s.one");
    expect(err.message).toContain("s.two");
  });

  it("accepts the same path with different verbs", () => {
    const s = service("s", {
      entries: { getItem: entry(noop), putItem: entry(noop), deleteItem: entry(noop) },
    });
    expect(routeTable([s], "dev")).toHaveLength(3);
  });

  it("refuses duplicates when a node is created", () => {
    const a = service("a", { entries: { x: entry({ route: "POST /clash" }, noop) } });
    const b = service("b", { entries: { y: entry({ route: "POST /clash" }, noop) } });
    const err = definitionError(() =>
      createNode({ services: [a, b], transport: memoryTransport(), logger: silentLogger }),
    );
    expect(err.message).toMatch(/a\.x.*b\.y/);
  });

  it("keeps only the entries of the stage, so entries of different stages may share a route", () => {
    const s = service("s", {
      entries: {
        always: entry(noop),
        debug: entry({ stages: ["dev"], route: "GET /s/tool" }, noop),
        audit: entry({ stages: ["prod"], route: "GET /s/tool" }, noop),
      },
    });
    const ids = (stage: string) => routeTable([s], stage).map((r) => r.entry.id);
    expect(ids("dev")).toEqual(["s.always", "s.debug"]);
    expect(ids("prod")).toEqual(["s.always", "s.audit"]);
    expect(ids("staging")).toEqual(["s.always"]);
  });
});
