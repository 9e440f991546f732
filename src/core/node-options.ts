// What createNode() checks of its options before it builds anything: a node given no transport,
// a plugin list that is not one or a service that is not one used to be accepted and to fail at
// start() with a TypeError from deep inside; each is now refused naming `node.<option>`.
import {
  checkOptions,
  is,
  listOf,
  num,
  type Rule,
  recordOf,
  required,
  shape,
  text,
} from "./definition-rules.js";

/** True when `value` is an object (or function) with a function under each of `methods`. */
function hasMethods(value: unknown, methods: readonly string[]): boolean {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  return methods.every((m) => typeof (value as Record<string, unknown>)[m] === "function");
}

const transportMethods = ["connect", "close", "request", "respond", "publish", "subscribe", "status"];

const nodeOptionRules: Rule = shape({
  services: required(
    listOf(
      is(
        (v) => (v as { kind?: unknown } | null)?.kind === "service",
        "a service: declare it with service(...)",
      ),
    ),
  ),
  transport: required(
    is(
      (v) => hasMethods(v, transportMethods),
      `a transport (memoryTransport(), natsTransport(...)) with ${transportMethods.join(", ")}`,
    ),
  ),
  stage: text,
  id: text,
  logger: is((v) => hasMethods(v, ["debug", "info", "warn", "error", "child"]), "a logger"),
  codec: is((v) => hasMethods(v, ["encode", "decode"]), "a codec with encode and decode"),
  requestTimeout: num({ gt: 0 }),
  drainTimeout: num({ min: 0 }),
  run: listOf(text),
  plugins: listOf(
    is(
      (v) => typeof (v as { name?: unknown } | null)?.name === "string",
      "a node plugin (an object with a name, e.g. discovery())",
    ),
  ),
  version: text,
  inbox: is(
    (v) => hasMethods(v, ["claim", "complete", "release", "purge"]),
    "an inbox (memoryInbox(), postgresInbox(...))",
  ),
  inboxRetentionMs: num({ gt: 0 }),
  readiness: shape({
    checks: listOf(
      is((v) => typeof (v as { ping?: unknown } | null)?.ping === "function", "a check with ping()"),
    ),
    timeoutMs: num({ gt: 0 }),
    cacheMs: num({ min: 0 }),
  }),
  env: recordOf(is((v) => v === undefined || typeof v === "string", "a string")),
});

/** Refuses options createNode() cannot work with, as `TESSERA_DEFINITION` naming `node.<option>`. */
export function checkNodeOptions(options: unknown): void {
  checkOptions("node", options, nodeOptionRules);
}
