/** Log levels, from the most to the least verbose. */
export const logLevels = { debug: 20, info: 30, warn: 40, error: 50, silent: 100 } as const;
export type LogLevel = keyof typeof logLevels;
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * The logger handed to handlers (`ctx.log`), bound to the request id and the entry.
 *
 * @example
 * ctx.log.info("order placed", { orderId });
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines also carry `bindings`. */
  child(bindings: LogFields): Logger;
}

export interface LoggerOptions {
  /** Minimum level written (default `info`, or `LOG_LEVEL`). */
  readonly level?: LogLevel;
  /** `json`: one JSON object per line (production); `pretty`: aligned, human text (development). */
  readonly format?: "json" | "pretty";
  /** Where lines go (default: process.stderr). */
  readonly write?: (line: string) => void;
  /** Fields on every line. */
  readonly bindings?: LogFields;
}

function serializeError(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message, stack: err.stack };
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (err.cause !== undefined) out.cause = err.cause instanceof Error ? serializeError(err.cause) : err.cause;
  return out;
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return serializeError(value);
  if (typeof value === "bigint") return value.toString();
  return value;
}

class LineLogger implements Logger {
  constructor(
    private readonly min: number,
    private readonly format: "json" | "pretty",
    private readonly write: (line: string) => void,
    private readonly bindings: LogFields,
  ) {}

  private log(level: Exclude<LogLevel, "silent">, msg: string, fields: LogFields | undefined): void {
    if (logLevels[level] < this.min) return;
    const record = { level, time: new Date().toISOString(), msg, ...this.bindings, ...fields };
    if (this.format === "json") {
      this.write(`${JSON.stringify(record, replacer)}\n`);
      return;
    }
    const { level: _l, time, msg: _m, ...rest } = record;
    const extra = Object.keys(rest).length === 0 ? "" : ` ${JSON.stringify(rest, replacer)}`;
    const stack = fields?.err instanceof Error && fields.err.stack ? `\n${fields.err.stack}` : "";
    this.write(`${time.slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}${extra}${stack}\n`);
  }

  debug(msg: string, fields?: LogFields): void {
    this.log("debug", msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log("info", msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log("warn", msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log("error", msg, fields);
  }
  child(bindings: LogFields): Logger {
    return new LineLogger(this.min, this.format, this.write, { ...this.bindings, ...bindings });
  }
}

function envLevel(): LogLevel | undefined {
  const level = process.env.LOG_LEVEL;
  return level !== undefined && Object.hasOwn(logLevels, level) ? (level as LogLevel) : undefined;
}

/**
 * A small structured logger (JSON lines or pretty text), the zero-dependency default. Any object
 * with the {@link Logger} methods can be passed to a node instead: pino through `pinoLogger` of
 * `tesserae/pino` (pino itself takes fields first, `info(fields, msg)`).
 *
 * @example
 * const log = createLogger({ level: "debug", format: "pretty" });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? envLevel() ?? "info";
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  return new LineLogger(logLevels[level], options.format ?? "json", write, options.bindings ?? {});
}

/** A logger that drops everything. */
export const silentLogger: Logger = createLogger({ level: "silent" });
