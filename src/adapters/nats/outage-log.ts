import type { Logger } from "../../core/logger.js";
import { maskUrl } from "../../core/mask-url.js";

/**
 * One log line when a node loses NATS and one when it is back, with the outage's length (issue 15
 * follow-up: a node said nothing of either). nats.js reports each failed reconnection attempt;
 * only the first loss of an outage is logged, and the reconnection that ends it.
 *
 * @example
 * const outages = new OutageLog(logger);
 * outages.lost("nats-1:4222"); // warn "lost the connection to NATS at nats-1:4222, reconnecting"
 * outages.back("nats-2:4222"); // info "reconnected to NATS at nats-2:4222 after 1840 ms"
 */
export class OutageLog {
  private since: number | undefined;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The connection to `server` is lost (logged once per outage). */
  lost(server: string): void {
    if (this.since !== undefined) return;
    this.since = this.now();
    const at = maskUrl(server);
    this.log.warn(`lost the connection to NATS at ${at}, reconnecting`, { server: at });
  }

  /** Connected again, to `server` (logged when an outage was). */
  back(server: string): void {
    if (this.since === undefined) return;
    const outageMs = this.now() - this.since;
    this.since = undefined;
    const at = maskUrl(server);
    this.log.info(`reconnected to NATS at ${at} after ${outageMs} ms`, { server: at, outageMs });
  }
}
