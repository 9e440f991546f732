import { checkOutgoing, type OutgoingLimits } from "../../core/outgoing-checks.js";

/** Subjects remembered as valid (the most a transport remembers; then it starts again). */
const remembered = 1024;

/**
 * The checks of `checkOutgoing` before every message, cheap for a subject already sent to: a
 * message that would pass them (connected, a subject checked before, within the limit) skips
 * them; any other is checked, and refused with the same errors.
 */
export class OutgoingCheck {
  private readonly valid = new Set<string>();

  check(limits: OutgoingLimits, subject: string, data: Uint8Array): void {
    if (limits.connected && data.byteLength <= limits.maxPayload && this.valid.has(subject)) return;
    checkOutgoing(limits, subject, data);
    if (this.valid.size >= remembered) this.valid.clear();
    this.valid.add(subject);
  }
}
