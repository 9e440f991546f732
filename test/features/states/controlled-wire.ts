// A transport for the states' property tests whose every delivery the test decides: the owner's
// publications wait in one queue per holder until the test delivers, drops or duplicates them,
// snapshot requests wait until the test has the owner answer them (with its value at that moment)
// or lets them time out, and answers travel until the test delivers them, so that updates sent
// after an answer may overtake it. Each process gets its own endpoint; a killed one (a crash)
// sends nothing more.

import type { LastValues } from "../../../src/core/durable-streams.js";
import { TesseraError } from "../../../src/core/errors.js";
import type { Transport } from "../../../src/core/transport.js";
import type { TransportMessage, WireReply } from "../../../src/core/transport-message.js";
import { noResponders } from "../../../src/core/wire-reply.js";

const isClaim = (subject: string) => subject.startsWith("tessera.state-claim.");

type Responder = (msg: TransportMessage) => Promise<WireReply> | WireReply;

interface PendingRequest {
  readonly subject: string;
  resolve(msg: TransportMessage): void;
  reject(err: unknown): void;
}

export interface Endpoint {
  readonly transport: Transport;
  /** A crash: what this process sends from now on is lost, and it answers no more requests. */
  kill(): void;
}

export class ControlledWire {
  /** Publications not yet delivered, one queue per subscriber, in the order they were sent. */
  readonly queues: TransportMessage[][] = [];
  private readonly handlers: ((msg: TransportMessage) => void | Promise<void>)[] = [];
  /** Requests sent and not yet answered. */
  readonly requests: PendingRequest[] = [];
  /** Answers on their way back: each delivers its reply (or its failure) when the test says so. */
  readonly replies: (() => void)[] = [];
  private responder: Responder | undefined;
  /** Subscribers of the owners' claims: a claim reaches them at once (the tests order updates, not claims). */
  private readonly claimHandlers = new Set<(msg: TransportMessage) => void | Promise<void>>();
  /** The last-value store, shared by every endpoint (JetStream's, or the memory bus's). */
  readonly stored = new Map<string, Uint8Array>();

  /** @param storeAckMs how long (on the timers) the store takes to acknowledge a write it has taken */
  constructor(private readonly storeAckMs = 0) {}

  /** A process's transport; with `storeFails`, its last-value store fails (NATS without JetStream). */
  endpoint(options: { readonly storeFails?: boolean } = {}): Endpoint {
    let alive = true;
    let mine: Responder | undefined;
    const failing = Promise.reject(new Error("JetStream is not enabled"));
    failing.catch(() => undefined);
    const lastValues: LastValues = options.storeFails
      ? { get: () => failing, put: () => failing, delete: () => failing }
      : {
          get: async (key) => this.stored.get(key),
          // Taken at once, acknowledged later: the owner's next write waits for the acknowledgement.
          put: (key, data) => {
            if (alive) this.stored.set(key, data);
            return new Promise<void>((resolve) => setTimeout(resolve, this.storeAckMs));
          },
          delete: async (key) => {
            if (alive) this.stored.delete(key);
          },
        };
    const transport: Transport = {
      kind: "controlled",
      maxPayload: Number.MAX_SAFE_INTEGER,
      connect: async () => undefined,
      close: async () => undefined,
      status: () => ({ connected: true }),
      lastValues,
      request: (subject) =>
        new Promise<TransportMessage>((resolve, reject) => this.requests.push({ subject, resolve, reject })),
      respond: async (_subject, _options, handler) => {
        mine = handler;
        this.responder = handler;
        return {
          unsubscribe: async () => {
            if (this.responder === handler) this.responder = undefined;
          },
        };
      },
      publish: async (subject, data, headers = {}) => {
        if (!alive) return;
        if (isClaim(subject)) {
          for (const h of [...this.claimHandlers]) void h({ subject, data, headers });
          return;
        }
        for (const queue of this.queues) queue.push({ subject, data, headers });
      },
      subscribe: async (subject, _options, handler) => {
        if (isClaim(subject)) {
          const mine = (msg: TransportMessage) => (alive ? handler(msg) : undefined);
          this.claimHandlers.add(mine);
          return { unsubscribe: async () => void this.claimHandlers.delete(mine) };
        }
        const index = this.handlers.push(handler) - 1;
        this.queues[index] = [];
        return {
          unsubscribe: async () => {
            this.handlers[index] = () => undefined;
          },
        };
      },
    };
    return {
      transport,
      kill: () => {
        alive = false;
        if (this.responder === mine) this.responder = undefined;
      },
    };
  }

  /** Hands subscriber `index` the message at `position` of its queue; `keep` leaves it there (a duplicate to come). */
  deliver(index: number, position: number, keep = false): void {
    const queue = this.queues[index];
    const msg = keep ? queue?.[position] : queue?.splice(position, 1)[0];
    if (msg !== undefined) void this.handlers[index]?.(msg);
  }

  /** Loses the message at `position` of subscriber `index`'s queue. */
  drop(index: number, position: number): void {
    this.queues[index]?.splice(position, 1);
  }

  /**
   * The live responder answers the pending request at `position` now (none: no responders); the
   * answer travels until {@link arrive} hands it over.
   */
  async answer(position: number): Promise<void> {
    const req = this.requests.splice(position, 1)[0];
    if (req === undefined) return;
    if (this.responder === undefined) {
      this.replies.push(() => req.reject(noResponders(req.subject)));
      return;
    }
    try {
      const reply = await this.responder({ subject: req.subject, data: new Uint8Array(0), headers: {} });
      const msg = { subject: req.subject, data: reply.data, headers: reply.headers ?? {} };
      this.replies.push(() => req.resolve(msg));
    } catch (err) {
      this.replies.push(() => req.reject(err));
    }
  }

  /** The answer at `position` of those on their way reaches its requester. */
  arrive(position: number): void {
    this.replies.splice(position, 1)[0]?.();
  }

  /** The pending request at `position` times out. */
  timeout(position: number): void {
    this.requests.splice(position, 1)[0]?.reject(TesseraError.timeout("the snapshot request timed out"));
  }
}
