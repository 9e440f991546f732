import fc from "fast-check";

/** Every member name of Object.prototype, and `__proto__`: keys that a plain object answers without owning them. */
export const prototypeKeys = [
  "toString",
  "constructor",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
  "__proto__",
] as const;

/** The keys the readers know (definitions, steps, conditions, fields, services, events), so that generated documents get deep. */
const knownKeys = [
  "name",
  "address",
  "description",
  "services",
  "steps",
  "inputs",
  "outputs",
  "budget",
  "stepsPerActivation",
  "journalEntries",
  "id",
  "type",
  "service",
  "input",
  "output",
  "into",
  "retry",
  "attempts",
  "delay",
  "backoff",
  "timeout",
  "catch",
  "as",
  "compensate",
  "next",
  "choices",
  "when",
  "field",
  "equals",
  "gt",
  "exists",
  "outcome",
  "is",
  "default",
  "branches",
  "duration",
  "signal",
  "fields",
  "required",
  "message",
  "value",
  "data",
  "mode",
  "waitMs",
  "idempotencyKey",
  "operations",
  "language",
  "definition",
  "StartAt",
  "States",
  "Type",
  "Next",
  "End",
  "Branches",
  "ItemProcessor",
  "Iterator",
] as const;

/** Words the readers give a meaning to, as string values. */
const knownWords = [
  "upper",
  "reverse",
  "spaces",
  "nope",
  "message",
  "count",
  "string",
  "int",
  "number",
  "boolean",
  "object",
  "array",
  "float",
  "call",
  "choice",
  "parallel",
  "wait",
  "succeed",
  "fail",
  "end",
  "ok",
  "error",
  "timeout",
  "1s",
  "400d",
  "sync",
  "async",
  "http://127.0.0.1:1/x",
  "asl",
  "Pass",
  "Parallel",
  "Map",
  "Succeed",
  "",
  ...prototypeKeys,
];

const key = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...knownKeys) },
  { weight: 2, arbitrary: fc.constantFrom(...prototypeKeys) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

const scalar = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...knownWords) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.integer({ min: -5, max: 30 }) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

/**
 * Any JSON value, its objects keyed mostly by the readers' own keys and by Object.prototype's
 * member names (`__proto__` an own key, as JSON.parse makes it): what a client may POST.
 */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 5, depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 6, noNullPrototype: true }),
  ),
})).value;

type Json = unknown;

/** Every object and array in a JSON value (the value itself first). */
function containers(v: Json, out: Json[] = []): Json[] {
  if (v === null || typeof v !== "object") return out;
  out.push(v);
  for (const child of Object.values(v)) containers(child, out);
  return out;
}

const put = (o: Record<string, unknown>, k: string, value: unknown) =>
  Object.defineProperty(o, k, { value, enumerable: true, configurable: true, writable: true });

/** One change somewhere in a document: a key added (or replaced), a value replaced, a key or item removed. */
const mutation = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom("add", "add", "replace", "remove"),
  key,
  value: anyJson,
});

/**
 * A valid document with a few changes anywhere (own `__proto__` keys included, as JSON.parse makes
 * them): it gets past the first checks of a reader and into the deep ones.
 */
function mutated(base: fc.Arbitrary<Json>, most = 2): fc.Arbitrary<Json> {
  return fc.tuple(base, fc.array(mutation, { maxLength: most })).map(([doc, changes]) => {
    const copy = structuredClone(doc);
    for (const m of changes) {
      const nodes = containers(copy);
      if (nodes.length === 0) return m.value;
      const node = nodes[m.at % nodes.length] as Record<string, unknown> | unknown[];
      const keys = Object.keys(node);
      const existing = keys.length === 0 ? undefined : keys[m.at % keys.length]!;
      if (Array.isArray(node)) {
        if (m.kind === "remove") node.splice(m.at % Math.max(node.length, 1), 1);
        else if (m.kind === "replace" && node.length > 0) node[m.at % node.length] = m.value;
        else node.push(m.value);
      } else if (m.kind === "add") put(node, m.key, m.value);
      else if (m.kind === "replace" && existing !== undefined) put(node, existing, m.value);
      else if (existing !== undefined) delete node[existing];
    }
    return copy;
  });
}

/** Field names: ordinary ones and Object.prototype's member names (valid field names, but for `__proto__`). */
const fieldNames = fc.constantFrom(
  "message",
  "count",
  "text",
  "toString",
  "constructor",
  "valueOf",
  "hasOwnProperty",
);
const fieldType = fc.constantFrom("string", "int", "number", "boolean", "object", "array");
const field = fc.record(
  { name: fieldNames, type: fieldType, description: fc.string({ maxLength: 6 }), required: fc.boolean() },
  { requiredKeys: ["name", "type"] },
);
const fields = fc.uniqueArray(field, { maxLength: 3, selector: (f) => f.name });
const serviceName = fc.constantFrom(
  "upper",
  "reverse",
  "spaces",
  "text.upper",
  "nope",
  "toString",
  "__defineGetter__",
);
const stepId = fc.constantFrom("a", "b", "c", "d");
const target = fc.constantFrom("a", "b", "c", "d", "end");
const sources = fc.dictionary(fieldNames, fc.oneof(fieldNames, fc.record({ value: anyJson })), {
  maxKeys: 2,
  noNullPrototype: true,
});

const callStep = fc.record(
  {
    id: stepId,
    type: fc.constant("call"),
    service: serviceName,
    input: sources,
    output: fc.dictionary(fieldNames, fieldNames, { maxKeys: 2, noNullPrototype: true }),
    retry: fc.record({ attempts: fc.integer({ min: 1, max: 3 }), delay: fc.constantFrom("10ms", 5) }),
    timeout: fc.constantFrom("1s", 500),
    catch: fc.record({ next: target, as: fieldNames }, { requiredKeys: [] }),
    compensate: fc.record({ service: serviceName }),
    next: target,
  },
  { requiredKeys: ["service"] },
);
const condition = fc.oneof(
  fc.record({ field: fieldNames, equals: anyJson }),
  fc.record({ field: fieldNames, gt: fc.integer() }),
  fc.record({ field: fieldNames, exists: fc.boolean() }),
  fc.record({ outcome: stepId, is: fc.constantFrom("ok", "error", "timeout") }),
);
const choiceStep = fc.record(
  {
    id: stepId,
    type: fc.constant("choice"),
    choices: fc.array(fc.record({ when: condition, next: target }), { minLength: 1, maxLength: 2 }),
    default: target,
  },
  { requiredKeys: ["id", "type", "choices"] },
);
const waitStep = fc.oneof(
  fc.record({ id: stepId, type: fc.constant("wait"), duration: fc.constantFrom("10ms", "1s", 20) }),
  fc.record(
    {
      id: stepId,
      type: fc.constant("wait"),
      signal: fc.constantFrom("go", "toString"),
      timeout: fc.constant("1s"),
      fields,
    },
    { requiredKeys: ["id", "type", "signal"] },
  ),
);
const endStep = fc.oneof(
  fc.record({ id: stepId, type: fc.constant("succeed") }),
  fc.record(
    { id: stepId, type: fc.constantFrom("fail"), message: fc.string({ maxLength: 6 }) },
    { requiredKeys: ["id", "type"] },
  ),
);
const leafStep = fc.oneof({ weight: 4, arbitrary: callStep }, choiceStep, waitStep, endStep, serviceName);
const parallelStep = fc.record({
  id: stepId,
  type: fc.constant("parallel"),
  branches: fc.array(fc.array(leafStep, { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 }),
});

const validDefinition = fc.oneof(
  fc.record(
    {
      name: fc.constantFrom("flow", "other", "process-text"),
      services: fc.array(serviceName, { minLength: 1, maxLength: 3 }),
      inputs: fields,
      outputs: fields,
      operations: fc.constant([]),
    },
    { requiredKeys: ["name", "services"] },
  ),
  fc.record(
    {
      name: fc.constantFrom("flow", "other"),
      description: fc.string({ maxLength: 6 }),
      inputs: fields,
      outputs: fields,
      steps: fc.array(fc.oneof({ weight: 4, arbitrary: leafStep }, parallelStep), {
        minLength: 1,
        maxLength: 4,
      }),
      budget: fc.record({ stepsPerActivation: fc.integer({ min: 1, max: 50 }) }),
    },
    { requiredKeys: ["name", "steps"] },
  ),
);

const aslName = fc.constantFrom("A", "B");
const aslEnd = fc.record({ Type: fc.constant("Pass"), End: fc.constant(true) });
const aslMachine = (state: fc.Arbitrary<unknown>) =>
  fc.record({
    StartAt: aslName,
    States: fc.dictionary(aslName, state, { minKeys: 1, maxKeys: 2, noNullPrototype: true }),
  });
const aslState = fc.oneof(
  { weight: 2, arbitrary: aslEnd },
  fc.record({ Type: fc.constant("Pass"), Next: aslName }),
  fc.record({ Type: fc.constant("Succeed") }),
  fc.record({
    Type: fc.constant("Parallel"),
    Branches: fc.array(aslMachine(aslEnd), { minLength: 1, maxLength: 2 }),
    End: fc.constant(true),
  }),
  fc.record({ Type: fc.constant("Map"), ItemProcessor: aslMachine(aslEnd), End: fc.constant(true) }),
);
/** States Language submissions (issue 16 follow-up, item 2: a States that was not a mapping of mappings answered 500). */
const validAsl = fc.record({
  name: fc.constantFrom("m1", "flow"),
  language: fc.constant("asl"),
  definition: aslMachine(aslState),
});

/** Definitions over the size limits (item 1: 10,000 services overflowed the stack, 100,000 froze the node). */
const hugeDefinition = fc
  .tuple(fc.constantFrom(1000, 1001, 12_000), fc.boolean())
  .map(([n, short]) =>
    short
      ? { name: "big", services: Array<string>(n).fill("upper") }
      : { name: "big", steps: Array.from({ length: n }, (_, i) => ({ id: `s${i}`, service: "upper" })) },
  );

/** Flow definitions in machinery's form, in steps or in the States Language: valid ones changed here and there, huge ones, and any JSON. */
export const definitionLike: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: validDefinition },
  { weight: 5, arbitrary: mutated(validDefinition) },
  { weight: 1, arbitrary: validAsl },
  { weight: 3, arbitrary: mutated(validAsl) },
  { weight: 1, arbitrary: hugeDefinition },
  { weight: 1, arbitrary: anyJson },
);

const validRegistration = fc.record(
  {
    name: fc.constantFrom("shout", "upper", "toString"),
    address: fc.constantFrom("http://127.0.0.1:1/x", "https://example.org/a"),
    inputs: fields,
    outputs: fields,
    description: fc.string({ maxLength: 6 }),
  },
  { requiredKeys: ["name", "address"] },
);

/** Service registrations: valid ones changed here and there, and any JSON. */
export const registrationLike: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: validRegistration },
  { weight: 4, arbitrary: mutated(validRegistration) },
  { weight: 1, arbitrary: anyJson },
);

const validEvent = fc.record({ message: fc.string({ maxLength: 8 }) });

/** Event data: objects with a `message` changed here and there, machinery's README form `{"data": …}`, and any JSON. */
export const eventDataLike: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: validEvent },
  { weight: 3, arbitrary: mutated(validEvent) },
  { weight: 1, arbitrary: mutated(fc.record({ data: validEvent }), 1) },
  { weight: 1, arbitrary: anyJson },
);
