/**
 * zeromq 6 allows one `send()` in progress per socket: this queue serialises the sends of one
 * socket and reports a failed send to `onError` (a ROUTER with `mandatory` refuses a gone peer).
 */
export class SendQueue {
  private readonly queue: {
    frames: (Uint8Array | string)[];
    onError?: ((err: unknown) => void) | undefined;
  }[] = [];
  private running = false;

  constructor(
    private readonly socket: { send(msg: (Uint8Array | string)[]): Promise<void>; readonly closed: boolean },
  ) {}

  send(frames: (Uint8Array | string)[], onError?: (err: unknown) => void): void {
    this.queue.push({ frames, onError });
    if (!this.running) void this.drain();
  }

  /** Resolves once everything queued so far has been handed to zeromq. */
  async flushed(): Promise<void> {
    while (this.running || this.queue.length > 0) await new Promise((r) => setImmediate(r));
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
        if (this.socket.closed) {
          this.queue.length = 0;
          break;
        }
        try {
          await this.socket.send(item.frames);
        } catch (err) {
          item.onError?.(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
