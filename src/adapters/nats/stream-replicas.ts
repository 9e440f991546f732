import { JetStreamApiError, type JetStreamManager, type StreamConfig } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { TesseraError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";

/** JetStream's answers that it cannot place that many replicas (too few servers, or not clustered). */
const placementErrors = new Set([
  10005, // no suitable peers for placement
  10023, // insufficient resources
  10074, // replicas > 1 not supported in non-clustered mode
]);

function isPlacementError(err: unknown): boolean {
  return err instanceof JetStreamApiError && placementErrors.has(err.code);
}

/**
 * Creates the streams of one transport with the replica count it wants (issue 15: every stream
 * had one replica, so a server's death stopped every durable emit and could lose its events).
 * An explicit count is used as given. Otherwise, when the server reports a cluster, 3 is tried
 * and, while JetStream cannot place that many (a 2-server cluster), one fewer; the count that
 * worked is kept for the other streams. A server not in a cluster gives 1.
 *
 * A stream that already exists keeps its settings (another node created it), except that one
 * with fewer replicas than wanted is scaled up by a stream update, which is logged; one with more
 * is never scaled down.
 */
export class StreamReplicas {
  private learned: number | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly explicit: number | undefined,
    private readonly log: Logger,
    /** How a refusal names the setting: where the count came from (`TESSERA_JETSTREAM_REPLICAS`). */
    private readonly setting = "jetstream.replicas",
  ) {}

  /** The count tried first. */
  wanted(): number {
    return this.explicit ?? this.learned ?? (this.nc.info?.cluster === undefined ? 1 : 3);
  }

  /** Creates the stream of `config` (its `num_replicas` is ours), or scales it up if it has fewer. */
  async ensure(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
    let replicas = this.wanted();
    for (;;) {
      try {
        await jsm.streams.add({ ...config, num_replicas: replicas });
        this.keep(replicas);
        return;
      } catch (err) {
        if (isPlacementError(err)) {
          replicas = this.fewer(replicas, err);
          continue;
        }
        // It exists (with other settings): they stand, but for too few replicas.
        const info = await jsm.streams.info(config.name).catch(() => Promise.reject(err));
        await this.scaleUp(jsm, config.name, info.config.num_replicas, replicas);
        return;
      }
    }
  }

  private async scaleUp(jsm: JetStreamManager, name: string, has: number, wanted: number): Promise<void> {
    let replicas = wanted;
    while (has < replicas) {
      try {
        await jsm.streams.update(name, { num_replicas: replicas });
        this.keep(replicas);
        this.log.info(`JetStream stream ${name} scaled up from ${has} to ${replicas} replicas`, {
          stream: name,
          from: has,
          to: replicas,
        });
        return;
      } catch (err) {
        if (!isPlacementError(err)) throw err;
        replicas = this.fewer(replicas, err);
      }
    }
  }

  /** One replica fewer after JetStream refused `replicas`, or a configuration error when they were asked for. */
  private fewer(replicas: number, err: unknown): number {
    if (this.explicit !== undefined || replicas <= 1)
      throw new TesseraError(
        "TESSERA_CONFIG",
        `${this.setting}: the NATS servers cannot keep ${replicas} replicas of a stream (${(err as Error).message}); run a cluster of at least ${replicas} servers with JetStream or ask for fewer`,
        { cause: err },
      );
    this.log.info(
      `JetStream cannot place ${replicas} replicas (${(err as Error).message}): trying ${replicas - 1}`,
    );
    return replicas - 1;
  }

  private keep(replicas: number): void {
    if (this.explicit === undefined) this.learned = replicas;
  }
}
