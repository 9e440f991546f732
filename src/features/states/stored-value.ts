import type { Logger } from "../../core/logger.js";
import { checkStateValue } from "./check-state-value.js";
import type { StateDef } from "./state.js";
import { codecLabel, type StoredState } from "./state-wire.js";

/**
 * The value a restarted owner resumes from: the stored one, checked by the state's schema;
 * `undefined` (start from the initial value, with a warning) when it fails the schema or was
 * written by an owner on another codec (what this node's codec made of it is not that value).
 */
export function storedValue<T extends object>(
  def: StateDef<string, T>,
  stored: StoredState,
  codec: string,
  log: Logger,
): T | undefined {
  if (stored.codec !== undefined && stored.codec !== codec) {
    log.warn(
      `the stored value was written by an owner on the ${codecLabel(stored.codec)} codec, this node's is ${codecLabel(codec)}: starting from the initial value (give every node of the system the same codec)`,
    );
    return undefined;
  }
  try {
    return { ...checkStateValue(def, stored.value) };
  } catch (err) {
    log.warn("the stored value fails the state's schema: starting from the initial value", { err });
    return undefined;
  }
}
