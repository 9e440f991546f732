import { checkJetStreamOptions, type JetStreamOptions } from "../adapters/nats/jetstream-options.js";
import { TesseraError } from "../core/errors.js";

/**
 * The JetStream settings a project may set (issue 15: every stream had one replica and consumers
 * kept nats.js's 30 s pulls, with no way to change either). The stream prefix follows the system
 * name; a handler's deliveries are its `retry.attempts`.
 */
export type JetStreamSettings = Omit<JetStreamOptions, "streamPrefix" | "maxDeliveries">;

/** The environment variables of the JetStream settings, by setting. */
export const JETSTREAM_ENV = {
  replicas: "TESSERA_JETSTREAM_REPLICAS",
  maxAgeMs: "TESSERA_JETSTREAM_MAX_AGE_MS",
  maxBytes: "TESSERA_JETSTREAM_MAX_BYTES",
  maxMsgs: "TESSERA_JETSTREAM_MAX_MSGS",
  duplicateWindowMs: "TESSERA_JETSTREAM_DUPLICATE_WINDOW_MS",
  storage: "TESSERA_JETSTREAM_STORAGE",
  publishTimeoutMs: "TESSERA_JETSTREAM_PUBLISH_TIMEOUT_MS",
  apiTimeoutMs: "TESSERA_JETSTREAM_API_TIMEOUT_MS",
  maxInFlight: "TESSERA_JETSTREAM_MAX_IN_FLIGHT",
  pullExpiresMs: "TESSERA_JETSTREAM_PULL_EXPIRES_MS",
  heartbeatMs: "TESSERA_JETSTREAM_HEARTBEAT_MS",
  ackWaitMs: "TESSERA_JETSTREAM_ACK_WAIT_MS",
} as const satisfies Record<keyof JetStreamSettings, string>;

type Mutable = { -readonly [K in keyof JetStreamSettings]: JetStreamSettings[K] };

/** Where a JetStream setting came from, when not the project file's own field: its variable, or the stage's field. */
export type JetStreamSources = Partial<Record<keyof JetStreamSettings, string>>;

/**
 * Where each JetStream setting set by `TESSERA_JETSTREAM_*` or the stage's `jetstream` comes from,
 * so that a refusal names it (issue 15 verification: `TESSERA_JETSTREAM_REPLICAS=5` on three servers
 * was refused as `jetstream.replicas`). The project file's are left out: their name is the default.
 *
 * @example
 * jetStreamSources({ TESSERA_JETSTREAM_REPLICAS: "5" }, undefined) // { replicas: "TESSERA_JETSTREAM_REPLICAS" }
 */
export function jetStreamSources(
  env: Readonly<Record<string, string | undefined>>,
  stage: JetStreamSettings | undefined,
): JetStreamSources {
  const from: JetStreamSources = {};
  for (const key of Object.keys(JETSTREAM_ENV) as (keyof JetStreamSettings)[]) {
    const raw = env[JETSTREAM_ENV[key]];
    if (raw !== undefined && raw !== "") from[key] = JETSTREAM_ENV[key];
    else if (stage?.[key] !== undefined) from[key] = `jetstream.${key} of the stage`;
  }
  return from;
}

/**
 * The JetStream settings of a stage: each from its `TESSERA_JETSTREAM_*` variable, else the
 * stage's `jetstream`, else the project file's. Checked as the transport checks them, so that a
 * bad value stops the start with `TESSERA_CONFIG` naming where it came from.
 *
 * @example
 * resolveJetStreamSettings({ TESSERA_JETSTREAM_REPLICAS: "3" }, undefined, { ackWaitMs: 60_000 })
 * // { replicas: 3, ackWaitMs: 60000 }
 */
export function resolveJetStreamSettings(
  env: Readonly<Record<string, string | undefined>>,
  stage: JetStreamSettings | undefined,
  project: JetStreamSettings | undefined,
): JetStreamSettings {
  const out: Mutable = {};
  const from = jetStreamSources(env, stage);
  for (const key of Object.keys(JETSTREAM_ENV) as (keyof JetStreamSettings)[]) {
    const raw = env[JETSTREAM_ENV[key]];
    if (raw !== undefined && raw !== "") {
      const value = key === "storage" ? raw.trim() : Number(raw);
      if (typeof value === "number" && (raw.trim() === "" || Number.isNaN(value)))
        throw new TesseraError("TESSERA_CONFIG", `${JETSTREAM_ENV[key]}: "${raw}" is not a number`);
      (out as Record<string, unknown>)[key] = value;
    } else if (stage?.[key] !== undefined) {
      (out as Record<string, unknown>)[key] = stage[key];
    } else if (project?.[key] !== undefined) {
      (out as Record<string, unknown>)[key] = project[key];
    }
  }
  try {
    checkJetStreamOptions(out);
  } catch (err) {
    if (!(err instanceof TesseraError)) throw err;
    // Name the variable or the stage's field that was set (the project file's is the message's own),
    // and the other setting a comparison involved when that one was set elsewhere.
    const details = err.details as { name?: string; related?: string } | undefined;
    const sourceOf = (name: string | undefined) =>
      from[name?.replace("jetstream.", "") as keyof JetStreamSettings];
    const source = sourceOf(details?.name);
    const related = sourceOf(details?.related);
    if (source === undefined && related === undefined) throw err;
    const what = err.message.replace(/^jetstream\.\w+: /, "");
    throw new TesseraError(
      "TESSERA_CONFIG",
      `${source ?? details?.name}: ${what}${related === undefined ? "" : ` (${details?.related} is ${related})`}`,
      { details: err.details },
    );
  }
  return out;
}
