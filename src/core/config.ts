import {
  bool,
  checkOptions,
  failsSchema,
  schema as isSchema,
  required,
  shape,
  shown,
  text,
} from "./definition-rules.js";
import { TesseraError } from "./errors.js";
import { type InferIn, type InferOut, jsonSchemaOf, type Schema } from "./schema.js";

/** One key of a config model, with what a bare schema cannot say. */
export interface ConfigKey<S extends Schema = Schema> {
  readonly schema: S;
  /** Used when the key is not set; checked by the schema like any value. */
  readonly default?: InferIn<S>;
  /** Never shown: masked by `tesserae config`, its value never in an error message. */
  readonly secret?: boolean;
  /** The environment variable to read (default `<SERVICE>_<KEY>`, e.g. `TEXT_API_KEY`). */
  readonly env?: string;
  readonly description?: string;
}

/** The keys of a config model: a schema, or a {@link ConfigKey} for defaults, secrets, env names. */
export type ConfigShape = Readonly<Record<string, Schema | ConfigKey>>;

type ValueOf<V> = V extends { readonly schema: infer S extends Schema }
  ? V extends { readonly default: unknown }
    ? Exclude<InferOut<S>, undefined>
    : InferOut<S>
  : InferOut<V>;

/** The typed values of a config model, as a handler reads them. */
export type ConfigValues<M extends ConfigShape> = { readonly [K in keyof M]: ValueOf<M[K]> };

/** Checks each `default` against its own schema. */
type CheckedKeys<M> = {
  readonly [K in keyof M]: M[K] extends { readonly schema: infer S extends Schema } ? ConfigKey<S> : M[K];
};

/** A service's typed configuration: declared once, checked at start, read with `ctx.config(model)`. */
export interface ConfigModel<M extends ConfigShape = ConfigShape> {
  readonly kind: "config";
  readonly keys: M;
}

/**
 * Declares the configuration a service needs. Each key is read from the environment (`.env`
 * files, the process, `--set`) under `<SERVICE>_<KEY>`; a key is required unless it has a default
 * or its schema accepts `undefined`. A value is given to the schema as a string, or parsed as JSON
 * first when the schema expects a number, boolean, array or object.
 *
 * @example
 * export const textConfig = configModel({
 *   apiKey: { schema: z.string().min(8), secret: true },  // TEXT_API_KEY, required
 *   maxLength: { schema: z.number().int(), default: 1000 }, // TEXT_MAX_LENGTH
 * });
 * export const text = service("text", { config: textConfig, entries: { … } });
 * // in a handler: const { maxLength } = ctx.config(textConfig);
 */
export function configModel<M extends ConfigShape>(keys: M & CheckedKeys<M>): ConfigModel<M> {
  if (typeof keys !== "object" || keys === null || Array.isArray(keys))
    throw TesseraError.definition(
      "configModel",
      `configModel({...}) takes an object of keys, got ${shown(keys)}`,
    );
  for (const [key, spec] of Object.entries(keys)) {
    if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(key))
      throw TesseraError.definition(key, `config key "${key}" must be alphanumeric`);
    if (isSchema(spec, key) === undefined) continue;
    if (isSchema((spec as ConfigKey | null)?.schema, key))
      throw TesseraError.definition(
        key,
        `config key "${key}" needs a schema (e.g. z.string()), got ${shown(spec)}`,
      );
    checkOptions(key, spec, configKeyRules);
    const { schema, default: value } = spec as ConfigKey;
    const why = value === undefined ? undefined : failsSchema(schema, value);
    if (why !== undefined)
      throw TesseraError.definition(
        `${key}.default`,
        `${key}.default fails the config key's own schema: ${why}`,
      );
  }
  return Object.freeze({ kind: "config", keys });
}

const configKeyRules = shape({
  schema: required(isSchema),
  default: () => undefined,
  secret: bool,
  env: text,
  description: text,
});

/** `text` + `apiKey` → `TEXT_API_KEY`. */
export function configEnvName(service: string, key: string): string {
  const snake = (s: string) =>
    s
      .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
      .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
      .replace(/[^A-Za-z0-9]+/g, "_")
      .toUpperCase();
  return `${snake(service)}_${snake(key)}`;
}

/** One key as resolved: where its value came from, and the value unless the key is secret. */
export interface ResolvedConfigKey {
  /** `service.key` */
  readonly path: string;
  readonly env: string;
  readonly secret: boolean;
  /** `default`: the key's `default` or the schema's; `unset`: no value (an optional key). */
  readonly source: "env" | "default" | "unset";
  readonly value: unknown;
  readonly description?: string;
}

export interface ConfigIssue {
  /** `service.key` */
  readonly path: string;
  readonly env: string;
  readonly message: string;
  /**
   * Where the refused value was given: `env FEED_RATE` (the variable), or `setting feed.rate`
   * (`--set`, a `-c` file, an extra `--rate`); a key that is not set names its variable.
   */
  readonly from: string;
}

export interface ResolvedConfig {
  /** Values per service name. */
  readonly values: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  readonly keys: readonly ResolvedConfigKey[];
  readonly issues: readonly ConfigIssue[];
}

type Env = Readonly<Record<string, string | undefined>>;
const unparsable = Symbol("unparsable");

/** The JSON types a schema declares, when its library can tell. */
function declaredTypes(schema: Schema): string[] | undefined {
  const type = jsonSchemaOf(schema, "input")?.type;
  if (typeof type === "string") return [type];
  return Array.isArray(type) ? (type as string[]) : undefined;
}

/** What to give the schema for a raw string: as is, parsed as JSON, or both in turn. */
function candidates(schema: Schema, raw: string): unknown[] {
  let parsed: unknown = unparsable;
  try {
    parsed = JSON.parse(raw);
  } catch {}
  if (parsed === unparsable) return [raw];
  const types = declaredTypes(schema);
  if (types === undefined) return [raw, parsed];
  if (types.includes("string")) return types.length === 1 ? [raw] : [raw, parsed];
  return [parsed];
}

const typeNames: Readonly<Record<string, string>> = {
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
  array: "a JSON array",
  object: "a JSON object",
  null: "null",
};

/**
 * What a string of the command line or the environment should have been, when it cannot be what
 * the schema declares (`abc` for a number): `expected a number, got "abc"`. `undefined` when it
 * could be (the schema's own message then says what is wrong).
 */
function notOfType(schema: Schema, raw: string): string | undefined {
  const types = declaredTypes(schema);
  if (types === undefined || types.includes("string") || types.some((t) => typeNames[t] === undefined))
    return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = unparsable;
  }
  const typeOf = (v: unknown) =>
    v === null
      ? "null"
      : Array.isArray(v)
        ? "array"
        : typeof v === "number" && Number.isInteger(v)
          ? "integer"
          : typeof v;
  const t = parsed === unparsable ? undefined : typeOf(parsed);
  if (t !== undefined && (types.includes(t) || (t === "integer" && types.includes("number"))))
    return undefined;
  const expected = [...new Set(types.map((x) => typeNames[x]!))].join(" or ");
  const shownRaw = raw.length > 60 ? `${raw.slice(0, 60)}…` : raw;
  return `expected ${expected}, got ${JSON.stringify(shownRaw)}`;
}

function check(
  schema: Schema,
  value: unknown,
): { ok: true; value: unknown } | { ok: false; message: string } {
  const result = schema["~standard"].validate(value);
  if (result instanceof Promise) return { ok: false, message: "asynchronous schemas cannot check config" };
  if (result.issues === undefined) return { ok: true, value: result.value };
  return { ok: false, message: result.issues.map((i) => i.message).join("; ") };
}

/**
 * Resolves the config models of `services` against `env`. `--set service.key=value` arrives as
 * the key `service.key` and wins over the key's environment variable. An empty string is unset.
 */
export function resolveConfig(
  services: readonly { readonly name: string; readonly options: { readonly config?: ConfigModel } }[],
  env: Env,
): ResolvedConfig {
  const values = new Map<string, Readonly<Record<string, unknown>>>();
  const keys: ResolvedConfigKey[] = [];
  const issues: ConfigIssue[] = [];
  for (const svc of services) {
    const model = svc.options.config;
    if (model === undefined) continue;
    const out: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(model.keys)) {
      const opts: ConfigKey = "~standard" in spec ? { schema: spec } : spec;
      const path = `${svc.name}.${key}`;
      const envName = opts.env ?? configEnvName(svc.name, key);
      const secret = opts.secret === true;
      // A setting `service.key` (`--set`, a `-c` file, an extra `--key`) wins over the variable.
      const fromSetting = env[path] !== undefined && env[path] !== "";
      const raw = fromSetting ? env[path] : env[envName] === "" ? undefined : env[envName];
      const from = fromSetting ? `setting ${path}` : `env ${envName}`;
      let source: ResolvedConfigKey["source"];
      let tries: unknown[];
      if (raw !== undefined) [source, tries] = ["env", candidates(opts.schema, raw)];
      else if (opts.default !== undefined) [source, tries] = ["default", [opts.default]];
      else [source, tries] = ["unset", [undefined]];
      let result: ReturnType<typeof check> = { ok: false, message: "" };
      for (const value of tries) {
        result = check(opts.schema, value);
        if (result.ok) break;
      }
      if (result.ok) {
        out[key] = result.value;
        // Nothing set, yet a value: the schema's own default (`.default(5000)`), shown as a default.
        if (source === "unset" && result.value !== undefined) source = "default";
      } else {
        const message =
          source === "unset"
            ? "required, not set"
            : secret
              ? "invalid value (secret, not shown)"
              : source === "default"
                ? `invalid default: ${result.message}`
                : (notOfType(opts.schema, raw!) ?? result.message);
        issues.push({ path, env: envName, message, from });
      }
      const shown: ResolvedConfigKey = {
        path,
        env: envName,
        secret,
        source,
        value: secret || !result.ok ? undefined : result.value,
      };
      keys.push(opts.description === undefined ? shown : { ...shown, description: opts.description });
    }
    values.set(svc.name, Object.freeze(out));
  }
  return { values, keys, issues };
}

/** A problem as one line: `feed.rate: expected a number, got "abc" (env FEED_RATE)`. */
export function configIssueLine(issue: ConfigIssue): string {
  return `${issue.path}: ${issue.message} (${issue.from})`;
}

/** One `TESSERA_CONFIG` error listing every problem, one per line. */
export function configError(issues: readonly ConfigIssue[]): TesseraError {
  const lines = issues.map((i) => `  ${configIssueLine(i)}`);
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  return new TesseraError("TESSERA_CONFIG", `invalid configuration, ${count}:\n${lines.join("\n")}`, {
    details: { issues },
  });
}
