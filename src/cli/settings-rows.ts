import { EGRESS_ENV, resolveEgressSettings } from "../config/egress-settings.js";
import { FLOWS_ENV, resolveFlowSettings } from "../config/flow-settings.js";
import { INBOX_RETENTION_ENV } from "../config/inbox-settings.js";
import { JETSTREAM_ENV } from "../config/jetstream-settings.js";
import type { Project } from "../config/load-project.js";
import { MANAGEMENT_ENV } from "../config/management-settings.js";
import { NATS_ENV, type NatsSettingKey, natsField } from "../config/nats-settings.js";
import type { StageSettings } from "../config/project-config.js";
import { PROJECTIONS_ENV, resolveProjectionLease } from "../config/projection-settings.js";
import { transportKind } from "../config/transport-url.js";

/** One setting as `tesserae config` shows it: its name, variable, value (masked) and layer. */
export interface SettingRow {
  /** Its field in the project file, e.g. `flowEngine.leaseMs`. */
  readonly setting: string;
  readonly env: string;
  /** The value shown: secrets as `***`; absent when unset. */
  readonly value?: unknown;
  /** `.env`, `.env.<stage>`, `process`, `--set`, `stage <name>`, `project file`, or `default`. */
  readonly from: string;
  /** What applies when unset, in words. */
  readonly default?: string;
}

const secretNats = new Set<NatsSettingKey>(["pass", "token", "nkeySeed"]);

const natsDefaults: Partial<Record<NatsSettingKey, string>> = { connectTimeoutMs: "5000" };
const flowDefaults: Record<keyof typeof FLOWS_ENV, string> = {
  leaseMs: "4000",
  renewMs: "a quarter of the lease",
  pollMs: "500",
  concurrency: "100",
  claimBatch: "concurrency / 10",
  stopGraceMs: "5000",
  retentionMs: "604800000 (7 days)",
  retentionRuns: "no count",
  pruneEveryMs: "60000",
  takeovers: "5",
};
const jetstreamDefaults: Partial<Record<keyof typeof JETSTREAM_ENV, string>> = {
  replicas: "the cluster's size up to 3, else 1",
  maxAgeMs: "7 days",
  duplicateWindowMs: "120000",
  storage: "file",
  publishTimeoutMs: "15000",
  apiTimeoutMs: "20000",
  maxInFlight: "64",
  pullExpiresMs: "5000",
  heartbeatMs: "1000",
  ackWaitMs: "30000",
};
const projectionDefaults: Record<keyof typeof PROJECTIONS_ENV, string> = {
  leaseMs: "5000",
  renewMs: "a third of the lease",
  pollMs: "1000",
};

type Section = object | undefined;

const get = (s: Section, key: string): unknown => (s as Record<string, unknown> | undefined)?.[key];

/**
 * The settings of the stage that `tesserae config` listed nowhere (issue 15 follow-up, item 2):
 * the system name, the inbox's retention, NATS credentials (secrets masked) and connect timeout,
 * JetStream, and — when the project has them — the flow engine, egress, projection lease and
 * management settings, each with the layer it came from, in the order of precedence the resolvers
 * apply.
 *
 * @example
 * settingRows(project).find((r) => r.setting === "flowEngine.leaseMs")
 * // { setting: "flowEngine.leaseMs", env: "TESSERA_FLOWS_LEASE_MS", value: 6000, from: ".env.prod" }
 */
export function settingRows(project: Project): SettingRow[] {
  const { config, env, stage } = project;
  const own: StageSettings = config.stages?.[stage] ?? {};
  const rows: SettingRow[] = [];
  /** The layer of a value: its variable's, else the stage's section, else the project file's. */
  const layer = (variable: string, stageValue: unknown, projectValue: unknown): string => {
    const v = env[variable];
    if (v !== undefined && v !== "") return project.envSources[variable] ?? "process";
    if (stageValue !== undefined) return `stage ${stage}`;
    if (projectValue !== undefined) return "project file";
    return "default";
  };
  const add = (setting: string, variable: string, value: unknown, from: string, byDefault?: string) =>
    rows.push({
      setting,
      env: variable,
      ...(value === undefined ? {} : { value }),
      from,
      ...(value === undefined && byDefault !== undefined ? { default: byDefault } : {}),
    });
  const section = (
    name: string,
    envs: Readonly<Record<string, string>>,
    resolved: Section,
    stageSection: Section,
    projectSection: Section,
    defaults: Readonly<Record<string, string>> = {},
    secret: (key: string) => boolean = () => false,
  ) => {
    for (const [key, variable] of Object.entries(envs)) {
      const value = get(resolved, key);
      const shown = value === undefined ? undefined : secret(key) ? "***" : value;
      add(
        `${name}.${key}`,
        variable,
        shown,
        layer(variable, get(stageSection, key), get(projectSection, key)),
        defaults[key],
      );
    }
  };

  const nats =
    project.settings.transport !== "memory" && transportKind(project.settings.transport) === "nats";
  add(
    "system",
    "TESSERA_SYSTEM",
    project.settings.system,
    layer("TESSERA_SYSTEM", own.system, config.system),
    "none: subjects tessera.*",
  );
  add(
    "inboxRetentionMs",
    INBOX_RETENTION_ENV,
    project.settings.inboxRetentionMs,
    layer(INBOX_RETENTION_ENV, own.inboxRetentionMs, config.inboxRetentionMs),
    "86400000 (24 hours)",
  );
  if (nats || config.nats !== undefined || own.nats !== undefined) {
    const resolved = project.settings.nats;
    for (const key of Object.keys(NATS_ENV) as NatsSettingKey[]) {
      const tls = key === "caFile" || key === "certFile" || key === "keyFile";
      const pick = (s: StageSettings["nats"]) => (tls ? s?.tls?.[key] : s?.[key as "user"]);
      const value = tls ? resolved.tls?.[key] : resolved[key as "user"];
      const shown = value === undefined ? undefined : secretNats.has(key) ? "***" : value;
      add(
        natsField(key),
        NATS_ENV[key],
        shown,
        layer(NATS_ENV[key], pick(own.nats), pick(config.nats)),
        natsDefaults[key],
      );
    }
  }
  if (nats || config.jetstream !== undefined || own.jetstream !== undefined)
    section(
      "jetstream",
      JETSTREAM_ENV,
      project.settings.jetstream,
      own.jetstream,
      config.jetstream,
      jetstreamDefaults,
    );
  const flows = (config.flows ?? []).length > 0 || config.declaredFlows !== undefined;
  if (flows) {
    const resolved = resolveFlowSettings(env, own.flowEngine, config.flowEngine);
    section("flowEngine", FLOWS_ENV, resolved, own.flowEngine, config.flowEngine, flowDefaults);
    const egress = resolveEgressSettings(env, own.egress, config.egress);
    section("egress", EGRESS_ENV, egress, own.egress, config.egress, {
      schemes: "http, https",
      privateAddresses: "allowed in dev only",
    });
  }
  const es = config.eventSourcing;
  if (es !== undefined) {
    const resolved = resolveProjectionLease(env, es.projectionLease);
    section(
      "eventSourcing.projectionLease",
      PROJECTIONS_ENV,
      resolved,
      undefined,
      es.projectionLease,
      projectionDefaults,
    );
  }
  if (config.declaredFlows !== undefined) {
    const pick = (k: "token" | "role" | "open") => {
      const v = env[MANAGEMENT_ENV[k]];
      if (v !== undefined && v !== "") return k === "open" ? v.trim().toLowerCase() === "true" : v;
      return own.management?.[k] ?? config.management?.[k];
    };
    const resolved = { token: pick("token"), role: pick("role"), open: pick("open") };
    section(
      "management",
      MANAGEMENT_ENV,
      resolved,
      own.management,
      config.management,
      {
        token: "none: the API needs credentials outside dev",
      },
      (k) => k === "token",
    );
    const authorize = own.management?.authorize ?? config.management?.authorize;
    if (authorize !== undefined)
      add(
        "management.authorize",
        "",
        "a function",
        own.management?.authorize !== undefined ? `stage ${stage}` : "project file",
      );
  }
  return rows;
}
