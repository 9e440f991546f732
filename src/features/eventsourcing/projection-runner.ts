import { TesseraError } from "../../core/errors.js";
import type { Logger } from "../../core/logger.js";
import { RepeatedFailure } from "../../core/repeated-failure.js";
import type { EventStore, EventSubscription, RecordedEvent } from "../../ports/event-store.js";
import { BatchedDocuments } from "./batched-documents.js";
import type { ProjectionDef } from "./projection.js";
import { type LeaseTimes, ProjectionLease } from "./projection-lease.js";
import { sqlFor } from "./projection-sql.js";

/** The checkpoint name of a projection (and the name of its lease). */
export const checkpointOf = (p: ProjectionDef) => `projection:${p.name}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs an asynchronous projection on the node that holds its lease, one node at a time across the
 * system: the others stand by and take the lease over once it ends (the holder died) or is
 * released (the holder stopped). The holder follows the global log from the checkpoint and applies
 * each batch in one transaction that also moves the checkpoint. A crash at any point leaves either
 * the batch applied and the checkpoint moved, or neither: no event is applied twice or skipped.
 *
 * A batch is committed only while the lease surely holds (measured from when its last renewal was
 * sent); should two runners still meet (a node paused past its lease), the compare-and-set of the
 * checkpoint makes the slower one retry, and it then finds the work done.
 */
export class ProjectionRunner {
  private sub: EventSubscription | undefined;
  private lease: ProjectionLease | undefined;
  private switching: Promise<void> = Promise.resolve();
  /** The checkpoint as this runner last left or found it: it only moves back by a rebuild. */
  private mark = 0;
  private rewound = false;
  private replaying = false;
  /** Failed batches and restarts: the first logged, the next counted (issue 19). */
  private readonly batchFailures: RepeatedFailure;
  private readonly restartFailures: RepeatedFailure;

  constructor(
    readonly projection: ProjectionDef,
    private readonly store: EventStore,
    private readonly log: Logger,
    /** Who this runner is in the leases: its node's id. */
    readonly holder: string,
    private readonly times: LeaseTimes,
  ) {
    this.batchFailures = new RepeatedFailure(log, `projection ${projection.name}: applying events`);
    this.restartFailures = new RepeatedFailure(log, `projection ${projection.name}: restarting`);
  }

  get position(): number {
    return this.sub?.position ?? 0;
  }

  /** True while this runner is the one that runs the projection. */
  get running(): boolean {
    return this.sub !== undefined;
  }

  /** Who runs the projection as far as this runner last saw: its own holder, another, or unknown. */
  get runBy(): string | undefined {
    return this.lease?.currentHolder;
  }

  /** Takes the projection's lease if it is free and runs it; else stands by. */
  async start(): Promise<void> {
    if (this.lease !== undefined) return;
    const p = this.projection;
    const lease = new ProjectionLease(
      this.store,
      checkpointOf(p),
      `projection ${p.name}`,
      this.holder,
      this.times,
      this.log,
      {
        gained: (previous) => this.serially(() => this.activate(previous)),
        lost: () => this.serially(() => this.standDown("its lease is gone")),
        renewed: () => this.onRenewal(),
      },
    );
    this.lease = lease;
    try {
      await lease.start();
    } catch (err) {
      this.lease = undefined;
      throw err;
    }
  }

  /** Gaining and losing the lease take turns (a loss may come while a start is still under way). */
  private serially(step: () => Promise<void>): Promise<void> {
    const next = this.switching.then(step);
    this.switching = next.catch(() => undefined);
    return next;
  }

  private async activate(previous: string | undefined): Promise<void> {
    if (this.sub !== undefined) return;
    const p = this.projection;
    const name = checkpointOf(p);
    const after = await this.store.loadCheckpoint(name);
    this.mark = after;
    this.sub = this.store.subscribe({
      after,
      ...(p.batchSize === undefined ? {} : { batchSize: p.batchSize }),
      handle: (batch) => this.apply(name, batch),
      onError: (err) => {
        if (this.rewound) {
          this.rewound = false;
          this.scheduleReplay();
          return;
        }
        // A batch refused because the lease ended is no failure: this runner is stopping.
        if (this.lease?.holds === true) this.batchFailures.failed(err);
      },
      onRecovered: () => this.batchFailures.recovered(),
    });
    const fields = { projection: p.name, node: this.holder, checkpoint: after };
    if (previous !== undefined)
      this.log.info(`projection ${p.name}: taken over from ${previous}`, { ...fields, previous });
    else this.log.info(`projection ${p.name}: running here`, fields);
  }

  /**
   * At each renewal: has the checkpoint moved back (checked between batches too: an idle log brings
   * none)? And does this holder run, or did a replay fail to restart it?
   */
  private async onRenewal(): Promise<void> {
    if (this.replaying) return;
    if (this.sub === undefined) {
      if (this.lease?.holds === true) this.scheduleReplay();
      return;
    }
    const mark = this.mark;
    if ((await this.store.loadCheckpoint(checkpointOf(this.projection))) < mark) this.scheduleReplay();
  }

  private scheduleReplay(): void {
    if (this.replaying) return;
    this.replaying = true;
    this.serially(() => this.replay())
      .then(
        () => this.restartFailures.recovered(),
        // Tried again at the next renewal.
        (err: unknown) => this.restartFailures.failed(err),
      )
      .finally(() => {
        this.replaying = false;
      });
  }

  /** The checkpoint moved back (a rebuild on another node): follow the log again from it. */
  private async replay(): Promise<void> {
    const running = this.sub !== undefined;
    await this.deactivate();
    if (this.lease?.holds !== true) return;
    if (running)
      this.log.info(`projection ${this.projection.name}: its checkpoint moved back (a rebuild), replaying`);
    await this.activate(undefined);
  }

  /** Stops running, with one line when it ran here (the first holder and a takeover log one too). */
  private async standDown(why: string): Promise<void> {
    const ran = this.sub !== undefined;
    await this.deactivate();
    if (ran)
      this.log.info(`projection ${this.projection.name}: standing down (${why})`, {
        projection: this.projection.name,
        node: this.holder,
        checkpoint: this.mark,
      });
  }

  private async deactivate(): Promise<void> {
    const sub = this.sub;
    this.sub = undefined;
    await sub?.stop();
  }

  private assertHeld(): void {
    if (this.lease?.holds !== true) {
      throw TesseraError.conflict(`projection ${this.projection.name}: this node no longer holds its lease`);
    }
  }

  private async apply(name: string, batch: readonly RecordedEvent[]): Promise<void> {
    this.assertHeld();
    const last = batch[batch.length - 1]!.position;
    await this.store.transaction(async (tx) => {
      const checkpoint = await tx.loadCheckpoint(name);
      if (checkpoint < this.mark) {
        this.rewound = true;
        throw TesseraError.conflict(`projection ${this.projection.name}: its checkpoint moved back`);
      }
      if (checkpoint >= last) {
        this.mark = checkpoint;
        return;
      }
      const docs = new BatchedDocuments(tx);
      const todo = batch
        .filter((e) => e.position > checkpoint)
        .map((e) => this.projection.select(e))
        .filter((e) => e !== undefined);
      const prefetch = this.projection.prefetch;
      if (prefetch !== undefined) {
        await docs.prefetch(todo.map((e) => prefetch(e)).filter((k) => k !== undefined));
      }
      const sql = sqlFor(this.projection, tx);
      for (const e of todo) await this.projection.handle(e, docs, sql);
      await docs.flush();
      // Never commit a batch after the lease may have gone to another node.
      this.assertHeld();
      await tx.saveCheckpoint(name, last, checkpoint);
    });
    this.mark = last;
  }

  /**
   * Resolves once the projection has applied every event visible now, on this node or on the one
   * that runs it (its checkpoint is then at the head).
   */
  async caughtUp(): Promise<void> {
    const head = await this.store.headPosition();
    const name = checkpointOf(this.projection);
    while (this.lease !== undefined) {
      await this.sub?.caughtUp();
      if ((await this.store.loadCheckpoint(name)) >= head) return;
      await sleep(20);
    }
  }

  /** Stops running (the batch in flight commits) and releases the lease for another node. */
  async stop(): Promise<void> {
    const lease = this.lease;
    if (lease === undefined) return;
    await lease.stop(() => this.serially(() => this.standDown("the node stops")));
    this.lease = undefined;
  }
}
