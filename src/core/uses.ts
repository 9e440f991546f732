import type { CallMeta } from "./call-meta.js";
import { TesseraError } from "./errors.js";

/**
 * A part that a service takes in a feature run by a node plugin, declared in the service's `uses`:
 * a replicated state it owns or holds, a wired connection, a main loop. Core only knows which
 * plugin runs it; the feature gives it its shape.
 *
 * @example
 * service("feed", { uses: [owns(quotes), main(async (ctx) => { … })] });
 */
export interface ServiceUse {
  /** The name of the node plugin that runs it (`NodePlugin.name`), e.g. `states`. */
  readonly feature: string;
}

/**
 * Something a handler reads with `ctx.use(key)`, provided per service by a node plugin (e.g. the
 * local copy of a replicated state, the sending side of a wired connection).
 *
 * @example
 * const copy = ctx.use(quotes).value; // the replicated state's local copy, read synchronously
 */
export interface UseKey<T> {
  /** Unique per thing provided, e.g. `state:quotes`. */
  readonly useKey: string;
  /** Type carrier only; never set at run time. */
  readonly "~use"?: T;
}

/**
 * How a plugin provides a key: the value for the handlers of `service` (it throws when the service
 * may not have it). `caller` is what the reading handler gives its nested calls (request id,
 * identity, deadline, trace), `undefined` outside a handler: a provider whose value sends messages
 * makes them part of the handler's call with it.
 */
export type UseProvider<T> = (service: string, caller?: CallMeta) => T;

/** The providers of one node, keyed by {@link UseKey.useKey}. */
export class UseProviders {
  private readonly providers = new Map<string, UseProvider<unknown>>();

  provide<T>(key: UseKey<T>, provider: UseProvider<T>): void {
    this.providers.set(key.useKey, provider);
  }

  use<T>(key: UseKey<T>, service: string, caller?: CallMeta): T {
    const provider = this.providers.get(key.useKey);
    if (provider === undefined) {
      throw TesseraError.definition(
        `${service}.uses`,
        `service "${service}" uses ${key.useKey}, which nothing on this node provides (declare it in the service's \`uses\` and give the node its plugin)`,
      );
    }
    return provider(service, caller) as T;
  }
}

/** The features the services use whose plugin the node lacks (checked when the node starts). */
export function missingPlugins(
  services: readonly { readonly name: string; readonly options: { readonly uses?: readonly ServiceUse[] } }[],
  plugins: readonly { readonly name: string }[],
): string[] {
  const names = new Set(plugins.map((p) => p.name));
  const missing: string[] = [];
  for (const svc of services) {
    for (const use of svc.options.uses ?? []) {
      if (!names.has(use.feature)) missing.push(`${svc.name} uses "${use.feature}"`);
    }
  }
  return [...new Set(missing)];
}
