import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

// machinery's own material, verbatim (test/fixtures/machinery/NOTICE.md: its origin and licence).
const dir = fileURLToPath(new URL("../../fixtures/machinery/", import.meta.url));
const read = (path: string) => readFileSync(dir + path, "utf8");
const json = (path: string): Record<string, unknown> => JSON.parse(read(path)) as Record<string, unknown>;

/**
 * The data structures of machinery's README (its "Data structures" section): the JSON block under
 * each of its headings, parsed.
 */
export function readmeStructures(): { service: unknown; event: unknown; workflow: unknown } {
  const readme = read("README.md");
  const section = readme.slice(readme.indexOf("## Data structures"));
  const block = (heading: string) => {
    const at = section.indexOf(`### ${heading}`);
    const m = /```json\n([\s\S]*?)```/.exec(section.slice(at));
    if (at < 0 || m === null) throw new Error(`machinery's README has no ${heading} block`);
    return JSON.parse(m[1]!) as unknown;
  };
  return { service: block("Service"), event: block("Event"), workflow: block("Workflow") };
}

/** The definitions machinery's README links to (`examples/definitions/`). */
export const exampleDefinitions = {
  services: ["service-upper.json", "service-reverse.json", "service-space-counter.json"].map((f) =>
    json(`examples/definitions/${f}`),
  ),
  workflow: json("examples/definitions/workflow-process-text.json"),
  event: json("examples/definitions/event-text.json"),
};

/** One request of machinery's acceptance collection, with what its test script expects. */
export interface CollectionRequest {
  readonly name: string;
  readonly method: string;
  /** `http://{{APP_URL}}/e/{{workflow_id}}`: variables to substitute. */
  readonly url: string;
  readonly body: string;
  /** `pm.response.to.have.status(…)`. */
  readonly status: number;
  /** `postman.setGlobalVariable("<variable>", pm.response.json()['<key>'])`. */
  readonly saves: readonly { readonly variable: string; readonly key: string }[];
}

interface PostmanItem {
  name: string;
  event: { listen: string; script: { exec: string[] } }[];
  request: { method: string; body: { raw: string }; url: { raw: string } };
}

/** The requests of machinery's Postman collection (run with newman), in order. */
export function acceptanceCollection(): CollectionRequest[] {
  const items = json("postman/Machinery.postman_collection.json").item as PostmanItem[];
  return items.map((item) => {
    const script = item.event
      .filter((e) => e.listen === "test")
      .flatMap((e) => e.script.exec)
      .join("\n");
    const status = /pm\.response\.to\.have\.status\((\d+)\)/.exec(script);
    if (status === null) throw new Error(`no expected status in ${item.name}`);
    const saves = [
      ...script.matchAll(/setGlobalVariable\("(\w+)", pm\.response\.json\(\)\['(\w+)'\]\)/g),
    ].map((m) => ({ variable: m[1]!, key: m[2]! }));
    return {
      name: item.name,
      method: item.request.method,
      url: item.request.url.raw,
      body: item.request.body.raw,
      status: Number(status[1]),
      saves,
    };
  });
}

/** Replaces `{{name}}` as newman does with its environment and globals. */
export const substitute = (text: string, vars: Readonly<Record<string, string>>): string =>
  text.replace(/\{\{(\w+)\}\}/g, (all, name: string) => vars[name] ?? all);

/**
 * A stand-in for machinery's example `upper` service (examples/services/upper/app.py, a Flask app):
 * `POST /event` answers 415 to a body that is not JSON, 400 to an empty payload or one without a
 * `message`, else `{"message": <message upper-cased>}`. Resolves with its `host:port`.
 */
export async function startUpperService(): Promise<{ host: string; stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      const answer = (status: number, body: unknown) =>
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.method !== "POST" || req.url !== "/event") return answer(404, { message: "Not Found" });
      if (!(req.headers["content-type"] ?? "").startsWith("application/json"))
        return answer(415, { message: "JSON is expected." });
      const payload = raw === "" ? null : (JSON.parse(raw) as { message?: unknown } | null);
      if (payload === null || Object.keys(payload).length === 0)
        return answer(400, { message: "payload can not be empty." });
      if (typeof payload.message !== "string" || payload.message === "")
        return answer(400, { message: "message field is missing on payload." });
      return answer(200, { message: payload.message.toUpperCase() });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
