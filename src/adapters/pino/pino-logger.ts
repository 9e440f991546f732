import type { LogFields, Logger } from "../../core/logger.js";

/**
 * The part of a pino logger this adapter calls (pino's `Logger` has it): fields first, then the
 * message, and `child(bindings)`. Structural, so this module imports nothing from pino.
 */
export interface PinoLike {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
  child(bindings: Record<string, unknown>): PinoLike;
}

/**
 * A {@link Logger} that writes through pino: for production, where pino's speed, transports and
 * redaction are wanted. `ctx.log.info(msg, fields)` becomes `pino.info(fields, msg)`; an `err`
 * field goes through pino's error serializer; levels are pino's own (`debug` 20 … `error` 50,
 * the same numbers as ours), so `level` is set on the pino instance.
 *
 * @example
 * import pino from "pino";
 * import { pinoLogger } from "tesserae/pino";
 * const node = createNode({ services, logger: pinoLogger(pino({ level: "info" })) });
 */
export function pinoLogger(pino: PinoLike): Logger {
  return {
    debug: (msg: string, fields?: LogFields) => pino.debug(fields ?? {}, msg),
    info: (msg: string, fields?: LogFields) => pino.info(fields ?? {}, msg),
    warn: (msg: string, fields?: LogFields) => pino.warn(fields ?? {}, msg),
    error: (msg: string, fields?: LogFields) => pino.error(fields ?? {}, msg),
    child: (bindings: LogFields) => pinoLogger(pino.child({ ...bindings })),
  };
}
