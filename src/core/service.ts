import type { ConfigModel } from "./config.js";
import type { Entry, EntryRef, Middleware } from "./context.js";
import { bool, checkOptions, fn, is, listOf, type Rule, recordOf, shape, text } from "./definition-rules.js";
import { entryOptionRules } from "./entry.js";
import { TesseraError } from "./errors.js";
import type { Identity } from "./identity.js";
import { type CallPolicies, callPolicyRules } from "./policies.js";
import { type Subscription, subscriptionOptionRules } from "./subscription.js";
import type { ServiceUse } from "./uses.js";

/** What an authorizer knows of the request (protocol-neutral). */
export interface AuthRequest {
  /** `service.entry` being called. */
  readonly target: string;
  readonly method: string;
  readonly path: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/**
 * Checks a bearer token. Return the caller's identity (or `true` for an anonymous pass) to allow,
 * `false` to refuse with `TESSERA_FORBIDDEN`; throw a TesseraError to choose the code.
 *
 * @example
 * authorize: (token) => token === process.env.API_TOKEN ? { sub: "ops" } : false
 */
export type Authorizer = (
  token: string,
  request: AuthRequest,
) => Identity | boolean | Promise<Identity | boolean>;

export type AnyEntries = Record<string, Entry<never, unknown>>;

/** How a service is declared. */
export interface ServiceOptions<E extends AnyEntries> extends CallPolicies {
  /** The entries: each key is a method name that also gives the route by convention. */
  readonly entries?: E;
  /** Event subscriptions, keyed by a name used for the consumer group (`service.key`). */
  readonly on?: Readonly<Record<string, Subscription>>;
  /** Token authorizer applied to every entry not marked `noAuth` (e.g. `jwt({...})`). */
  readonly authorize?: Authorizer;
  /** Middleware run for every entry of the service, before the entry's own. */
  readonly middleware?: readonly Middleware[];
  /** Route prefix (default `/<name>`). */
  readonly basePath?: string;
  readonly description?: string;
  /** The typed configuration the service needs (`configModel({...})`), checked when its node starts. */
  readonly config?: ConfigModel;
  /**
   * The parts the service takes in features run by node plugins: replicated states it owns or
   * holds, wired connections, a main loop (`owns(quotes)`, `requester(prices)`, `main(loop)`…).
   */
  readonly uses?: readonly ServiceUse[];
  /** Every entry is idempotent unless it says `idempotent: false` (see the entry's option). */
  readonly idempotent?: boolean;
}

type Bound<E> = E extends Entry<infer In, infer Out> ? EntryRef<In, Out> : never;

/** A declared service: one resource, one deployable unit. */
export interface ServiceDef<N extends string = string, E extends AnyEntries = AnyEntries> {
  readonly kind: "service";
  readonly name: N;
  readonly entries: { readonly [K in keyof E]: Bound<E[K]> };
  readonly options: ServiceOptions<E>;
}

function mergePolicies(svc: CallPolicies, own: CallPolicies): CallPolicies {
  const out: { -readonly [K in keyof CallPolicies]: CallPolicies[K] } = {};
  for (const key of ["timeout", "retry", "breaker", "bulkhead"] as const) {
    const value = own[key] ?? svc[key];
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  return Object.freeze(out);
}

const serviceName = /^[a-z][a-z0-9-]*$/;

const isKind = (kind: string) => (v: unknown) => (v as { kind?: unknown } | null | undefined)?.kind === kind;

/** The rules of a service's options; each entry's and subscription's own are checked after them. */
const serviceOptionRules: Rule = shape({
  ...callPolicyRules,
  entries: recordOf(() => undefined),
  on: recordOf(is(isKind("subscription"), "a subscription: use subscribe(...)")),
  authorize: fn,
  middleware: listOf(fn),
  basePath: is((v) => typeof v === "string" && v.startsWith("/"), 'a path starting with "/"'),
  description: text,
  idempotent: bool,
  config: is(isKind("config"), "a config model: declare it with configModel({...})"),
  uses: listOf(
    is(
      (v) => typeof (v as { feature?: unknown } | null | undefined)?.feature === "string",
      "a feature's declaration (owns(...), requester(...), mainLoop(...)…)",
    ),
  ),
});
const entryName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Declares a service. The one declaration drives its HTTP routes, its bus subjects, the typed
 * calls other services make (`ctx.call(text.entries.upper, …)`) and its OpenAPI description.
 *
 * @example
 * export const text = service("text", {
 *   entries: {
 *     upper: entry({ input: Message, output: Message }, ({ message }) => ({ message: message.toUpperCase() })),
 *   },
 * });
 */
export function service<const N extends string, E extends AnyEntries = Record<never, never>>(
  name: N,
  options: ServiceOptions<E>,
): ServiceDef<N, E> {
  if (!serviceName.test(name)) {
    throw TesseraError.definition(
      name,
      `service name "${name}" must be lower-case letters, digits and "-", starting with a letter`,
    );
  }
  checkOptions(name, options, serviceOptionRules);
  const entries: Record<string, EntryRef> = {};
  for (const [key, def] of Object.entries(options.entries ?? {})) {
    if (!entryName.test(key))
      throw TesseraError.definition(`${name}.${key}`, `entry name "${name}.${key}" is not an identifier`);
    if (!isKind("entry")(def))
      throw TesseraError.definition(
        `${name}.${key}`,
        `${name}.${key} is not an entry: declare it with entry(...)`,
      );
    checkOptions(`${name}.${key}`, def.options, entryOptionRules);
    entries[key] = Object.freeze({
      ...(def as Entry),
      service: name,
      name: key,
      id: `${name}.${key}`,
      policies: mergePolicies(options, def.options),
      idempotent: def.options.idempotent ?? options.idempotent ?? false,
    });
  }
  for (const [key, sub] of Object.entries(options.on ?? {})) {
    checkOptions(`${name}.on.${key}`, sub, subscriptionOptionRules);
  }
  return Object.freeze({
    kind: "service",
    name,
    entries: Object.freeze(entries) as ServiceDef<N, E>["entries"],
    options,
  });
}
