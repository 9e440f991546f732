import type { Codec } from "../../core/codec.js";
import type { Logger } from "../../core/logger.js";
import type { Transport } from "../../core/transport.js";

/** What an owner or a holder needs of its node. */
export interface StateHost {
  readonly transport: Transport;
  readonly codec: Codec;
  readonly logger: Logger;
}

export interface OwnerOptions {
  /** Least time between two writes of the value to the last-value store (default 20 ms). */
  readonly persistMs?: number;
  /** A beat with the current number goes out after this long without an update (default 1000 ms). */
  readonly beatMs?: number;
}
