/** What a Lambda event is, from its shape (Lambda itself does not say). */
export type EventKind =
  | { readonly kind: "v1" }
  | { readonly kind: "v2" }
  | { readonly kind: "alb" }
  | { readonly kind: "authorizer" }
  | { readonly kind: "async" }
  | { readonly kind: "result" }
  | { readonly kind: "invalid"; readonly message: string };

const v1: EventKind = { kind: "v1" };
const v2: EventKind = { kind: "v2" };
const alb: EventKind = { kind: "alb" };
const authorizer: EventKind = { kind: "authorizer" };
const asyncKind: EventKind = { kind: "async" };
const result: EventKind = { kind: "result" };

const expected =
  'expected an API Gateway REST (v1) or HTTP API (v2) event, an ALB event, an API Gateway authorizer event, or a Tesserae event ({"tessera":"async"|"result",…})';

const invalid = (message: string): EventKind => ({ kind: "invalid", message });

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Classifies an event. HTTP events are recognised by the fields that only their source sets
 * (`requestContext.elb`, `version: "2.0"`, `httpMethod`); their other fields are checked when the
 * request is built, so that a malformed event still gets an answer in its own format.
 *
 * @example
 * kindOf({ version: "2.0", rawPath: "/text/upper", requestContext: { http: { method: "POST" } } }) // { kind: "v2" }
 */
export function kindOf(event: unknown): EventKind {
  if (!isObject(event)) {
    const what = event === null ? "null" : Array.isArray(event) ? "an array" : `a ${typeof event}`;
    return invalid(`the event is ${what}: ${expected}`);
  }
  const tessera = event.tessera;
  if (tessera !== undefined) {
    if (tessera === "async") return asyncKind;
    if (tessera === "result") return result;
    return invalid(`unknown Tesserae event "${String(tessera)}": expected "async" or "result"`);
  }
  if (event.type === "TOKEN" || event.type === "REQUEST") return authorizer;
  const context = event.requestContext;
  if (isObject(context) && isObject(context.elb)) return alb;
  const version = event.version;
  if (version === "2.0") return v2;
  if (version === "1.0") return v1;
  if (version !== undefined) {
    return invalid(`unsupported payload format version ${JSON.stringify(version)}: expected "1.0" or "2.0"`);
  }
  if (event.httpMethod !== undefined || event.resource !== undefined) return v1;
  return invalid(
    `unrecognised event (keys: ${Object.keys(event).slice(0, 8).join(", ") || "none"}): ${expected}`,
  );
}
