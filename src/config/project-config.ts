import type { CodecName } from "../core/codec.js";
import type { Logger } from "../core/logger.js";
import type { TesseraNode } from "../core/node.js";
import type { Authorizer, ServiceDef } from "../core/service.js";
import type { ManagementOptions } from "../features/declared-flows/management-auth.js";
import type { EventSourcing } from "../features/eventsourcing/event-sourcing.js";
import type { ProjectionDef } from "../features/eventsourcing/projection.js";
import type { ProjectionLeaseOptions } from "../features/eventsourcing/projection-lease.js";
import type { EgressSettings } from "../features/flows/egress-policy.js";
import type { FlowDef } from "../features/flows/flow.js";
import type { CorsOptions } from "../features/gateway/cors.js";
import type { OpenApiInfo } from "../features/gateway/openapi.js";
import type { FlowEngineSettings } from "./flow-settings.js";
import type { JetStreamSettings } from "./jetstream-settings.js";
import type { NatsSettings } from "./nats-settings.js";

/** HTTP settings of the project's gateway. `PORT` / `--port` override `port`. */
export interface GatewaySettings {
  /** Default 3000. */
  readonly port?: number;
  /** Default `127.0.0.1`; `0.0.0.0` to listen on every interface. */
  readonly host?: string;
  /** Largest accepted body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Deadline of one request in ms, from its headers (default 30 000); it bounds reading the request too. */
  readonly requestTimeout?: number;
  /** How long a graceful shutdown waits for in-flight requests (default 10 000 ms). */
  readonly shutdownTimeout?: number;
  /** Open connections at most (default 10 000; 0 for no cap): the next ones are closed at once. */
  readonly maxConnections?: number;
  readonly cors?: CorsOptions;
  /** Authorizer of the services that declare none. */
  readonly authorize?: Authorizer;
}

/** What a stage may override. */
export interface StageSettings {
  readonly gateway?: GatewaySettings;
  /** `memory` (default) or `nats://host:port`; `TESSERA_TRANSPORT` and `--transport` win over it. */
  readonly transport?: string;
  /** `sqlite:<path>` (default `sqlite:.tesserae/<stage>.db`) or `postgres://…`; `TESSERA_STORE` and `--store` win. */
  readonly store?: string;
  /**
   * NATS credentials and TLS (user/pass, token, NKey seed, credentials file, CA and client
   * certificate files) and `connectTimeoutMs` (default 5000); each `TESSERA_NATS_*` variable wins over its field. Keep secrets in the
   * environment or an `.env.<stage>` file rather than here.
   */
  readonly nats?: NatsSettings;
  /**
   * The system's name on a shared NATS: it prefixes every subject (`<system>.tessera.…`) and stream
   * (`<system>_TESSERA_…`), so that several systems share one server without seeing each other.
   * `TESSERA_SYSTEM` wins. Default none (`tessera.…`). Every node of a system must use the same.
   */
  readonly system?: string;
  /** The flow engine's lease, renewal, poll and stop settings (see flow-settings.ts); `TESSERA_FLOWS_*` win. */
  readonly flowEngine?: FlowEngineSettings;
  /**
   * JetStream on NATS: streams' `replicas` (default the cluster's size up to 3), `maxAgeMs`,
   * `maxBytes`, `maxMsgs`, `storage`, and consumers' `pullExpiresMs`, `heartbeatMs`, `ackWaitMs`
   * (see jetstream-options.ts); `TESSERA_JETSTREAM_*` win.
   */
  readonly jetstream?: JetStreamSettings;
  /**
   * Where declared flows' service calls and run callbacks may go: allowed `hosts`, `cidrs`,
   * `schemes`, `privateAddresses`, `listedOnly` (see egress-policy.ts); `TESSERA_EGRESS_*` win.
   * Metadata endpoints are always refused; loopback and private ranges outside `dev`.
   */
  readonly egress?: EgressSettings;
  /**
   * Who may use the declared flows' management API (`/declared/*`, `/s`, `/w`, `/e`): `token`,
   * `authorize` and `role`, or `open` (see management-auth.ts); `TESSERA_MANAGEMENT_*` win.
   * Outside `dev` a node refuses to start without one of them.
   */
  readonly management?: ManagementOptions;
  /**
   * The codec of every message on the transport: `json` (default) or `rich-json`, in which dates,
   * big integers and decimals survive the wire (every node of a system must use the same).
   * `TESSERA_CODEC` and `--codec` win. HTTP answers stay JSON either way.
   */
  readonly codec?: CodecName;
  /**
   * A JSON file of the services' config values (service_framework's `-c config.json`), relative to
   * the project: `{"rate": 10}` or `{"ticker": {"rate": 10}}`. `TESSERA_CONFIG_FILE` and
   * `-c`/`--config-file` win.
   */
  readonly serviceConfig?: string;
  /**
   * How long the nodes keep the first answers of idempotent calls and the event ids their
   * consumers handled (the store's `inbox` table), in ms; default 24 hours.
   * `TESSERA_INBOX_RETENTION_MS` wins.
   */
  readonly inboxRetentionMs?: number;
}

export type OptionValue = string | number | boolean;

/** An option of a project command: `--kebab-name <value>`, typed by its default (or `type`). */
export interface CommandOption {
  readonly default?: OptionValue;
  /** The value's type when there is no default (default `string`). */
  readonly type?: "string" | "number" | "boolean";
  readonly description?: string;
}

/** What a project command receives. */
export interface CommandContext {
  /** A started node with the project's services: `node.call(...)`, `node.emit(...)`, `node.config(...)`. */
  readonly node: TesseraNode;
  /** Option values: the flag if given, else the stage's default, else the option's default. */
  readonly options: Readonly<Record<string, OptionValue | undefined>>;
  /** Positional arguments after the command name. */
  readonly args: readonly string[];
  readonly stage: string;
  /** The project's directory (where `tesserae.config.ts` is). */
  readonly root: string;
  /** The merged execution settings (`.env` → `.env.<stage>` → process → `--set`). */
  readonly env: Readonly<Record<string, string>>;
  readonly log: Logger;
}

/**
 * A project command's function: what it returns (if anything) is printed, as JSON unless a string.
 *
 * @example
 * export default async function seed({ node, options }: CommandContext) {
 *   for (let i = 0; i < Number(options.count); i++) await node.call(todos.entries.add, { title: `todo ${i}` });
 * }
 */
export type CommandFunction = (ctx: CommandContext) => unknown;

/** A command of the project, run as `tesserae <name>` with the project's services loaded. */
export interface CommandConfig {
  /** One line, shown in `tesserae --help`. */
  readonly description: string;
  /** The module that implements it, relative to the project file (e.g. `./scripts/seed.ts`). */
  readonly module: string;
  /** The export to call (default `default`). */
  readonly export?: string;
  /** Options: a default value (`count: 10`) or a full {@link CommandOption}. */
  readonly options?: Readonly<Record<string, CommandOption | OptionValue>>;
  /** Option defaults per stage, e.g. `{ prod: { count: 1000 } }`. */
  readonly stages?: Readonly<Record<string, Readonly<Record<string, OptionValue>>>>;
  /** An example invocation for `tesserae <name> --help`. */
  readonly example?: string;
}

/** The project file, `tesserae.config.ts`: what to load and how to run it. */
export interface ProjectConfig extends StageSettings {
  /** Shown in banners and as the OpenAPI title (default: the name in package.json). */
  readonly name?: string;
  /** The services: definitions, or module paths (relative to this file) whose exported services all load. */
  readonly services: readonly (ServiceDef | string)[];
  /** Durable flows: the node runs their engine on the stage's `store` and serves the `flows` API. */
  readonly flows?: readonly FlowDef[];
  /**
   * Declared flows (JSON definitions over a service registry, run on the flow engine): served under
   * `/declared` and machinery's paths (`/s`, `/w`, `/e/:id`), stored in the stage's `store`.
   * `aliases` list entries of the project under short names (`{ upper: "text.upper" }`).
   */
  readonly declaredFlows?: { readonly aliases?: Readonly<Record<string, string>> };
  /**
   * Event-sourced services: `services(es)` builds them on the event-sourcing runtime of the
   * stage's `store`; the runtime joins the node (outbox relay, async `projections`).
   */
  readonly eventSourcing?: {
    readonly services: (es: EventSourcing) => readonly ServiceDef[];
    readonly projections?: readonly ProjectionDef[];
    /** One node runs each async projection: its lease (`TESSERA_PROJECTIONS_*` win; default 5 s). */
    readonly projectionLease?: ProjectionLeaseOptions;
  };
  /** The stages and their overrides; when given, `--stage` must name one of them. The default stage is `dev`. */
  readonly stages?: Readonly<Record<string, StageSettings>>;
  /** Project commands: `tesserae <name>`. */
  readonly commands?: Readonly<Record<string, CommandConfig>>;
  /** Title, version and description of the OpenAPI document. */
  readonly openapi?: OpenApiInfo;
}

/**
 * Declares a project (the default export of `tesserae.config.ts`), typed.
 *
 * @example
 * export default defineConfig({
 *   services: [text, pipeline],
 *   gateway: { port: 3000 },
 *   stages: { dev: {}, prod: { gateway: { host: "0.0.0.0" } } },
 *   commands: { seed: { description: "Adds sample data", module: "./scripts/seed.ts", options: { count: 10 } } },
 * });
 */
export function defineConfig(config: ProjectConfig): ProjectConfig {
  return config;
}
