import { createRequire } from "node:module";

/** An error of asl-validator. */
export interface AslValidatorError {
  readonly "Error code"?: string;
  readonly Message?: string;
  readonly schemaError?: { readonly instancePath?: string };
  readonly path?: string;
}

/** asl-validator's verdict on a machine. */
export interface AslVerdict {
  readonly isValid: boolean;
  readonly errors: readonly AslValidatorError[];
}

type Validator = (
  definition: unknown,
  options: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errors: AslValidatorError[] };

/** What asl-validator does with its Ajv: set it up (formats, ajv-formats' keywords), then validate. */
interface AjvInstance {
  addFormat(...args: unknown[]): AjvInstance;
  addKeyword(...args: unknown[]): AjvInstance;
}
type AjvClass = new (options: unknown) => AjvInstance;

// asl-validator is CommonJS without types: read through require, typed here.
const require = createRequire(import.meta.url);
const validator = require("asl-validator") as Validator;

/**
 * The ajv module as asl-validator reads it: it builds `new ajv.default(…)` with its 15 schemas at
 * every call and compiles them again (about 120 ms of CPU, seconds on a loaded machine, during
 * which the event loop stands still: a stream of distinct States Language submissions made every
 * other request of the node time out). Undefined when it is not as expected: then every call
 * builds its own, slowly but correctly.
 */
const ajvOfValidator = ((): { default: AjvClass } | undefined => {
  try {
    const ajv = createRequire(require.resolve("asl-validator"))("ajv") as { default?: unknown };
    const slot = Object.getOwnPropertyDescriptor(ajv, "default");
    return typeof ajv.default === "function" && slot?.writable === true
      ? (ajv as { default: AjvClass })
      : undefined;
  } catch {
    return undefined;
  }
})();

/** The Ajv of the first call that returned, set up and its schemas compiled: every later call reuses it. */
let compiled: AjvInstance | undefined;
let built = 0;

/** How many Ajv instances asl-validator was given so far (one, once its schemas are compiled). */
export function aslValidatorBuilds(): number {
  return built;
}

/**
 * asl-validator's verdict (`checkPaths: true`, `checkArn: false`), its schemas compiled once: while
 * it runs, the ajv module's `default` (read at each call) hands it the Ajv of the first call, whose
 * formats and keywords it then adds again to no effect. Synchronous, so no other code sees the swap.
 * May throw as asl-validator does.
 */
export function validateAslMachine(machine: unknown): AslVerdict {
  const ajv = ajvOfValidator;
  if (ajv === undefined) {
    built++;
    return validator(machine, { checkPaths: true, checkArn: false });
  }
  const Ajv = ajv.default;
  let made: AjvInstance | undefined;
  ajv.default = function CompiledOnce(options: unknown) {
    if (compiled !== undefined) return compiled;
    built++;
    made = new Ajv(options);
    return made;
  } as unknown as AjvClass;
  try {
    const verdict = validator(machine, { checkPaths: true, checkArn: false });
    if (compiled === undefined && made !== undefined) {
      const instance = made;
      instance.addFormat = () => instance;
      instance.addKeyword = () => instance;
      compiled = instance;
    }
    return verdict;
  } finally {
    ajv.default = Ajv;
  }
}
