import { TesseraError } from "../core/errors.js";

/** The variable of the inbox's retention: it wins over the stage's and the project file's field. */
export const INBOX_RETENTION_ENV = "TESSERA_INBOX_RETENTION_MS";

/** Where the retention came from (its variable, or its field of the stage or the project file) and its value. */
export interface InboxRetention {
  readonly ms?: number;
  readonly from?: string;
}

/**
 * How long a node keeps the first answers of idempotent calls and the event ids its consumers
 * handled (`createNode({ inboxRetentionMs })`): `TESSERA_INBOX_RETENTION_MS`, else the stage's
 * `inboxRetentionMs`, else the project file's. A value that is not a positive number of
 * milliseconds is refused (`TESSERA_CONFIG`, naming the variable or the field). Unset: the node's
 * default, 24 hours.
 *
 * @example
 * resolveInboxRetention({ TESSERA_INBOX_RETENTION_MS: "3600000" }, "prod", undefined, 86400000)
 * // { ms: 3600000, from: "TESSERA_INBOX_RETENTION_MS" }
 */
export function resolveInboxRetention(
  env: Readonly<Record<string, string | undefined>>,
  stage: string,
  stageValue: unknown,
  projectValue: unknown,
): InboxRetention {
  const fromEnv = env[INBOX_RETENTION_ENV];
  const [raw, from] =
    fromEnv !== undefined && fromEnv !== ""
      ? [fromEnv, INBOX_RETENTION_ENV]
      : stageValue !== undefined
        ? [stageValue, `stages.${stage}.inboxRetentionMs`]
        : projectValue !== undefined
          ? [projectValue, "inboxRetentionMs"]
          : [undefined, undefined];
  if (raw === undefined || from === undefined) return {};
  const ms =
    typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : Number.NaN;
  if (!(Number.isSafeInteger(ms) && ms > 0))
    throw new TesseraError(
      "TESSERA_CONFIG",
      `${from}: "${String(raw)}" is not a positive whole number of milliseconds (e.g. 86400000 for 24 hours)`,
      { details: { name: from } },
    );
  return { ms, from };
}
