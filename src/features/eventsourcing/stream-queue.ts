/**
 * Commands waiting for one stream, run one batch at a time per stream: a command that arrives while
 * a batch of its stream is being written waits and leaves with the next batch (up to `maxBatch`).
 * Commands on one aggregate then never race each other inside a process, so optimistic retries are
 * only needed against other processes (issue 17, bug 8); streams run independently.
 *
 * @example
 * const queue = new StreamQueue<Command>((stream, batch) => runBatch(stream, batch));
 * queue.push("account-1", command);
 */
export class StreamQueue<T> {
  private readonly waiting = new Map<string, T[]>();

  constructor(
    /** Writes one batch; it answers each of its items itself and must not throw. */
    private readonly run: (stream: string, batch: T[]) => Promise<void>,
    private readonly maxBatch = 100,
  ) {}

  push(stream: string, item: T): void {
    const list = this.waiting.get(stream);
    if (list !== undefined) {
      list.push(item);
      return;
    }
    const fresh = [item];
    this.waiting.set(stream, fresh);
    void this.drain(stream, fresh);
  }

  /** Commands waiting or being written (all streams). */
  get size(): number {
    let n = 0;
    for (const list of this.waiting.values()) n += list.length;
    return n;
  }

  private async drain(stream: string, list: T[]): Promise<void> {
    // Let the commands of the same tick join the first batch.
    await Promise.resolve();
    while (list.length > 0) {
      const batch = list.slice(0, this.maxBatch);
      try {
        await this.run(stream, batch);
      } catch {
        // run answers each item; nothing to do here but go on with the next batch.
      }
      list.splice(0, batch.length);
    }
    this.waiting.delete(stream);
  }
}
