import { randomUUID } from "node:crypto";
import type { EntryRef } from "../../core/context.js";
import type { NodeInfo } from "../../core/endpoint-registry.js";
import { jsonSchemaOf } from "../../core/schema.js";
import type { ServiceDef } from "../../core/service.js";
import type { DeclaredFlowStore, FieldSpec, ServiceRecord } from "../../ports/declared-flow-store.js";
import type { EgressPolicy } from "../flows/egress-policy.js";
import type { ServiceShape } from "./check-definition.js";
import { entryFields } from "./entry-fields.js";
import { ErrorSink, type FieldErrors } from "./field-errors.js";
import { parseServiceRegistration } from "./parse-service-registration.js";
import type { ServiceTarget } from "./run-snapshot.js";

/** A service as the registry lists it: registered over HTTP, or one of Tesserae's own entries. */
export interface RegistryItem {
  readonly name: string;
  readonly kind: "http" | "entry";
  /** The registered service's id (`service_id`); none for an entry. */
  readonly id?: string;
  readonly address?: string;
  /** `service.entry` for one of Tesserae's own. */
  readonly entry?: string;
  readonly inputs: readonly FieldSpec[];
  /** Undefined: the entry declares no output schema (its result may hold anything). */
  readonly outputs: readonly FieldSpec[] | undefined;
  readonly description?: string;
  /** An entry's JSON Schemas, as its OpenAPI document has them. */
  readonly schemas?: { readonly input?: Record<string, unknown>; readonly output?: Record<string, unknown> };
}

function httpItem(s: ServiceRecord): RegistryItem {
  return {
    name: s.name,
    kind: "http",
    id: s.id,
    address: s.address,
    inputs: s.inputs,
    outputs: s.outputs,
    ...(s.description === undefined ? {} : { description: s.description }),
  };
}

export interface ServiceRegistryOptions {
  readonly store: DeclaredFlowStore;
  /** Names under which entries of the node are listed too: `{ upper: "text.upper" }`. */
  readonly aliases?: Readonly<Record<string, string>> | undefined;
  /** Services not listed (the engine's own `flows`, the declared-flow APIs). */
  readonly hidden?: ReadonlySet<string>;
  readonly now: () => number;
  /** The store's migrations, awaited before a registration is written. */
  readonly ready: () => Promise<void>;
  /** The egress policy an address must pass (the flow engine's). */
  readonly egress?: () => EgressPolicy;
}

/**
 * The service registry of declared flows: the external services registered in the store, and
 * Tesserae's own tech services — every entry of the node under `service.entry`, plus the aliases a
 * project gives them (`upper` → `text.upper`) — with their fields read from their schemas.
 *
 * @example
 * const registry = new ServiceRegistry({ store, aliases: { upper: "text.upper" }, now: Date.now, ready: () => store.migrate() });
 * registry.useServices(node.known);
 * await registry.register({ name: "price", address: "https://prices.example/quote", inputs: [{ name: "sku", type: "string" }] });
 */
export class ServiceRegistry {
  private entries = new Map<string, EntryRef>();
  /** The live nodes discovery knows (none before {@link useRemote}). */
  private remoteNodes: () => readonly NodeInfo[] = () => [];
  /** The refs made for remote entries, one per id (the node compiles a call per ref). */
  private readonly remoteRefs = new Map<string, EntryRef>();
  private readonly store: DeclaredFlowStore;
  private readonly aliases: Readonly<Record<string, string>>;
  private readonly hidden: ReadonlySet<string>;

  constructor(private readonly options: ServiceRegistryOptions) {
    this.store = options.store;
    this.aliases = options.aliases ?? {};
    this.hidden = options.hidden ?? new Set();
  }

  /** Registers an external service (an existing name is updated and keeps its id). */
  async register(
    doc: unknown,
  ): Promise<{ ok: true; service: ServiceRecord } | { ok: false; errors: FieldErrors }> {
    const parsed = parseServiceRegistration(doc, { httpOnly: this.options.egress === undefined });
    if (!parsed.ok) return parsed;
    // Early and clear; each call checks again, on the addresses the name resolves to then.
    const refused = this.options.egress?.().refusal(parsed.service.address);
    if (refused !== undefined) {
      const sink = new ErrorSink();
      sink.add("address", `Refused by the egress policy: ${refused}.`);
      return { ok: false, errors: sink.errors };
    }
    await this.options.ready();
    const service = await this.store.putService({ id: randomUUID(), ...parsed.service }, this.options.now());
    return { ok: true, service };
  }

  /** Learns the entries of the node's services. */
  useServices(services: readonly ServiceDef[]): void {
    this.entries = new Map();
    for (const s of services) {
      if (this.hidden.has(s.name)) continue;
      for (const ref of Object.values(s.entries)) this.entries.set(ref.id, ref);
    }
  }

  /**
   * Learns the entries the other nodes of the system run (discovery's registry), so that a node
   * whose code does not define a service still resolves its entries: every node knows every entry.
   * Their fields are unknown here (no schema travels): a step gets the flow's data whole.
   */
  useRemote(nodes: () => readonly NodeInfo[]): void {
    this.remoteNodes = nodes;
  }

  /** The entry a name stands for (an alias or `service.entry`), on this node or on another. */
  entry(name: string): EntryRef | undefined {
    // Own keys only: a name like "__defineGetter__" found Object.prototype's member, a function
    // taken for an entry id (a TypeError, answered 500).
    const id = Object.hasOwn(this.aliases, name) ? this.aliases[name]! : name;
    return this.entries.get(id) ?? this.remoteEntry(id);
  }

  private remoteEntry(id: string): EntryRef | undefined {
    const dot = id.indexOf(".");
    if (dot <= 0) return undefined;
    const service = id.slice(0, dot);
    const name = id.slice(dot + 1);
    if (this.hidden.has(service)) return undefined;
    const served = this.remoteNodes().some((n) =>
      n.services.some((s) => s.name === service && s.entries.includes(name)),
    );
    if (!served) return this.remoteRefs.get(id);
    let ref = this.remoteRefs.get(id);
    if (ref === undefined) {
      ref = {
        kind: "entry",
        options: {},
        handler: () => undefined,
        service,
        name,
        id,
        policies: {},
      } as EntryRef;
      this.remoteRefs.set(id, ref);
    }
    return ref;
  }

  private entryItem(name: string, ref: EntryRef): RegistryItem {
    const summary = ref.options.summary ?? ref.options.description;
    const input = jsonSchemaOf(ref.options.input, "input");
    const output = jsonSchemaOf(ref.options.output, "output");
    return {
      name,
      kind: "entry",
      entry: ref.id,
      inputs: entryFields(ref, "input") ?? [],
      outputs: entryFields(ref, "output"),
      ...(summary === undefined ? {} : { description: summary }),
      schemas: {
        ...(input === undefined ? {} : { input }),
        ...(output === undefined ? {} : { output }),
      },
    };
  }

  /** Every service, registered ones first (by name), then aliases, then entries. */
  async list(): Promise<RegistryItem[]> {
    const out = (await this.store.listServices()).map(httpItem);
    const taken = new Set(out.map((s) => s.name));
    for (const [alias, id] of Object.entries(this.aliases)) {
      const ref = this.entries.get(id) ?? this.remoteEntry(id);
      if (ref !== undefined && !taken.has(alias)) out.push(this.entryItem(alias, ref));
    }
    for (const [id, ref] of this.entries) if (!taken.has(id)) out.push(this.entryItem(id, ref));
    for (const n of this.remoteNodes())
      for (const s of n.services)
        for (const e of s.entries) {
          const id = `${s.name}.${e}`;
          if (this.entries.has(id) || this.hidden.has(s.name) || out.some((i) => i.name === id)) continue;
          const ref = this.remoteEntry(id);
          if (ref !== undefined) out.push(this.entryItem(id, ref));
        }
    return out;
  }

  /** One service by name (a registered one wins over an entry of the same name), or by `service_id`. */
  async get(name: string): Promise<RegistryItem | undefined> {
    const s = await this.store.getService(name);
    if (s !== undefined) return httpItem(s);
    const ref = this.entry(name);
    return ref === undefined ? undefined : this.entryItem(name, ref);
  }

  /** The services a definition names, for the checker (shapes) and for a run (targets). */
  async resolve(names: Iterable<string>): Promise<Map<string, RegistryItem>> {
    const out = new Map<string, RegistryItem>();
    for (const n of new Set(names)) {
      const item = await this.get(n);
      if (item !== undefined) out.set(n, item);
    }
    return out;
  }
}

export const shapeOf = (i: RegistryItem): ServiceShape => ({ inputs: i.inputs, outputs: i.outputs });

export const targetOf = (i: RegistryItem): ServiceTarget =>
  i.kind === "http"
    ? { kind: "http", address: i.address!, inputs: i.inputs, outputs: i.outputs ?? [] }
    : { kind: "entry", entry: i.entry!, inputs: i.inputs };
