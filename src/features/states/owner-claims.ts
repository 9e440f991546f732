import type { TransportSubscription } from "../../core/transport-message.js";
import type { StateHost } from "./state-host.js";

/**
 * Listens to the owners' claims of a state on `subject` (each owner announces its epoch when it starts): the
 * way an owner hears that a newer one took over even without a last-value store.
 */
export function listenToClaims(
  host: StateHost,
  subject: string,
  onClaim: (epoch: number) => void,
): Promise<TransportSubscription> {
  return host.transport.subscribe(subject, {}, (msg) => {
    let m: unknown;
    try {
      m = host.codec.decode(msg.data);
    } catch {
      return;
    }
    const epoch = (m as { epoch?: unknown } | undefined)?.epoch;
    if (typeof epoch === "number") onClaim(epoch);
  });
}
