import type { Logger } from "../../core/logger.js";
import type { EventStore, EventSubscription, RecordedEvent } from "../../ports/event-store.js";
import { BatchedDocuments } from "./batched-documents.js";
import type { ProjectionDef } from "./projection.js";

/** The checkpoint name of a projection. */
export const checkpointOf = (p: ProjectionDef) => `projection:${p.name}`;

/**
 * Runs an asynchronous projection: follows the global log from its checkpoint and applies each
 * batch in one transaction that also moves the checkpoint. A crash at any point leaves either the
 * batch applied and the checkpoint moved, or neither: no event is applied twice or skipped.
 * Events at or before the stored checkpoint are left out, so that two runners of the same
 * projection (two processes) do not apply a batch twice either: the compare-and-set of the
 * checkpoint makes the slower one retry, and it then finds the work done.
 */
export class ProjectionRunner {
  private sub: EventSubscription | undefined;

  constructor(
    readonly projection: ProjectionDef,
    private readonly store: EventStore,
    private readonly log: Logger,
  ) {}

  get position(): number {
    return this.sub?.position ?? 0;
  }

  async start(): Promise<void> {
    if (this.sub !== undefined) return;
    const name = checkpointOf(this.projection);
    const after = await this.store.loadCheckpoint(name);
    this.sub = this.store.subscribe({
      after,
      ...(this.projection.batchSize === undefined ? {} : { batchSize: this.projection.batchSize }),
      handle: (batch) => this.apply(name, batch),
      onError: (err) => this.log.warn(`projection ${this.projection.name}: batch failed, retrying`, { err }),
    });
  }

  private async apply(name: string, batch: readonly RecordedEvent[]): Promise<void> {
    const last = batch[batch.length - 1]!.position;
    await this.store.transaction(async (tx) => {
      const checkpoint = await tx.loadCheckpoint(name);
      if (checkpoint >= last) return;
      const docs = new BatchedDocuments(tx);
      const todo = batch
        .filter((e) => e.position > checkpoint)
        .map((e) => this.projection.select(e))
        .filter((e) => e !== undefined);
      const prefetch = this.projection.prefetch;
      if (prefetch !== undefined) {
        await docs.prefetch(todo.map((e) => prefetch(e)).filter((k) => k !== undefined));
      }
      for (const e of todo) await this.projection.handle(e, docs);
      await docs.flush();
      await tx.saveCheckpoint(name, last, checkpoint);
    });
  }

  /** Resolves once the projection has applied every event visible now. */
  async caughtUp(): Promise<void> {
    await this.sub?.caughtUp();
  }

  async stop(): Promise<void> {
    const sub = this.sub;
    this.sub = undefined;
    await sub?.stop();
  }
}
