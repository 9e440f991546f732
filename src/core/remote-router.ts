import type { EntryRef } from "./context.js";
import type { Departure, EndpointRegistry, RegisteredNode } from "./endpoint-registry.js";
import { TesseraError } from "./errors.js";
import type { Logger } from "./logger.js";
import { CircuitBreaker } from "./middleware/circuit-breaker.js";
import type { BreakerPolicy } from "./policies.js";
import { subjects } from "./subjects.js";
import type { Transport } from "./transport.js";
import type { Headers, TransportMessage } from "./transport-message.js";
import { isNoResponders } from "./wire-reply.js";

export interface RouterHost {
  readonly transport: Transport;
  readonly registry: EndpointRegistry;
  readonly logger: Logger;
}

export interface RouterOptions {
  /** A call unanswered this long makes the caller check that its node still serves (default 300 ms). */
  readonly probeAfterMs?: number;
  /** How long a liveness probe may take (default 1000 ms). */
  readonly probeTimeoutMs?: number;
}

/**
 * The breaker of a remote node when the entry declares none: it takes a node out of rotation for a
 * while when it keeps being unreachable or at capacity, not when its handlers fail.
 */
const nodeBreaker: BreakerPolicy = {
  threshold: 0.5,
  minRequests: 5,
  windowMs: 10_000,
  openMs: 2000,
  failOn: ["TESSERA_UNAVAILABLE", "TESSERA_OVERLOADED"],
};

const empty = new Uint8Array(0);

/** A call in flight to a node, failed at once if the node is lost. */
interface Flight {
  readonly sentAt: number;
  readonly fail: (err: TesseraError) => void;
}

/** What the caller knows of one remote node: its calls in flight and a breaker per entry. */
class NodeLink {
  readonly flights = new Set<Flight>();
  readonly breakers = new Map<string, CircuitBreaker>();
  /** The node's subject of each entry, built once (a subject per call was a string to build and hash). */
  private readonly subjects = new Map<string, string>();
  probing = false;
  lastProbe = 0;

  breaker(ref: EntryRef, node: string): CircuitBreaker {
    let b = this.breakers.get(ref.id);
    if (b === undefined) {
      b = new CircuitBreaker(`${ref.id}@${node}`, ref.policies.breaker ?? nodeBreaker);
      this.breakers.set(ref.id, b);
    }
    return b;
  }

  subject(ref: EntryRef, node: string): string {
    let s = this.subjects.get(ref.id);
    if (s === undefined) {
      s = subjects.node(node, ref.service, ref.name);
      this.subjects.set(ref.id, s);
    }
    return s;
  }
}

/**
 * Routes remote calls to the live instances of a service, using the registry that discovery
 * fills: the least busy instance whose circuit is closed (in turn among equals) gets the call,
 * on its own subject. A node whose subscription is gone answers "no responders" at once: the call
 * was not delivered and goes to another instance. A call that stays unanswered makes the caller
 * probe its node; a node found gone (or silent past the heartbeat bound) fails its calls in
 * flight with `TESSERA_UNAVAILABLE` at once, so that the retry policy can reach a survivor well
 * before the deadline.
 */
export class RemoteRouter {
  private readonly links = new Map<string, NodeLink>();
  private turn = 0;
  private ticker: NodeJS.Timeout | undefined;
  private readonly probeAfterMs: number;
  private readonly probeTimeoutMs: number;

  constructor(
    private readonly host: RouterHost,
    options: RouterOptions = {},
  ) {
    this.probeAfterMs = options.probeAfterMs ?? 300;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 1000;
    host.registry.onDeparture((id, why) => this.departed(id, why));
  }

  /**
   * Sends an encoded call and decodes its reply with `read` (which throws a remote error again).
   * With no known instance, the call goes to the service's queue group: the broker answers at
   * once when nobody serves it.
   */
  send(
    ref: EntryRef,
    data: Uint8Array,
    headers: Headers,
    deadline: number,
    read: (msg: TransportMessage) => unknown,
  ): Promise<unknown> {
    // The common case without an `async` frame: each await is a turn of the microtask queue, and
    // the NATS client flushes its socket per turn.
    const candidates = this.host.registry.instances(ref.service);
    if (candidates.length === 0) {
      return this.host.transport
        .request(subjects.entry(ref.service, ref.name), data, { timeoutMs: deadline - Date.now(), headers })
        .then(read);
    }
    return this.attempt(ref, candidates, new Set(), data, headers, deadline, read);
  }

  private attempt(
    ref: EntryRef,
    candidates: readonly RegisteredNode[],
    tried: Set<string>,
    data: Uint8Array,
    headers: Headers,
    deadline: number,
    read: (msg: TransportMessage) => unknown,
  ): Promise<unknown> {
    // Checked before `pick`: a half-open circuit's admission is its one trial call, and a call
    // given up after being admitted would never record an outcome, leaving the circuit stuck.
    const timeoutMs = deadline - Date.now();
    if (timeoutMs <= 0)
      return Promise.reject(TesseraError.timeout(`${ref.id}: deadline passed before the call`));
    let chosen: [RegisteredNode, NodeLink, CircuitBreaker] | undefined;
    try {
      chosen = this.pick(ref, candidates, tried);
    } catch (err) {
      return Promise.reject(err);
    }
    if (chosen === undefined) {
      return Promise.reject(
        TesseraError.unavailable(`no live instance of service "${ref.service}"`, { service: ref.service }),
      );
    }
    const [node, link, breaker] = chosen;
    return this.fly(link, link.subject(ref, node.id), data, headers, timeoutMs).then(
      (msg) => {
        try {
          const value = read(msg);
          breaker.record(undefined);
          return value;
        } catch (err) {
          breaker.record(err);
          throw err;
        }
      },
      (err: unknown) => {
        breaker.record(err);
        if (!isNoResponders(err)) throw err;
        // Not delivered: the node's subscription is gone. Another instance may serve it.
        tried.add(node.id);
        this.host.registry.remove(node.id, "gone");
        const left = this.host.registry.instances(ref.service);
        return this.attempt(ref, left, tried, data, headers, deadline, read);
      },
    );
  }

  /** The least busy candidate whose circuit admits the call, in turn among equals. */
  private pick(
    ref: EntryRef,
    candidates: readonly RegisteredNode[],
    tried: ReadonlySet<string>,
  ): [RegisteredNode, NodeLink, CircuitBreaker] | undefined {
    const n = candidates.length;
    const start = this.turn++;
    let best: [RegisteredNode, NodeLink, CircuitBreaker] | undefined;
    let open: TesseraError | undefined;
    for (let k = 0; k < n; k++) {
      const node = candidates[(start + k) % n]!;
      if (tried.has(node.id)) continue;
      const link = this.link(node.id);
      if (best !== undefined && link.flights.size >= best[1].flights.size) continue;
      const breaker = link.breaker(ref, node.id);
      if (breaker.current === "open" || breaker.current === "half-open") {
        try {
          breaker.admit();
        } catch (err) {
          open = err as TesseraError;
          continue;
        }
        // The trial call of a half-open circuit: take it now.
        return [node, link, breaker];
      }
      best = [node, link, breaker];
    }
    if (best === undefined && open !== undefined) throw open;
    return best;
  }

  private link(id: string): NodeLink {
    let link = this.links.get(id);
    if (link === undefined) {
      link = new NodeLink();
      this.links.set(id, link);
    }
    return link;
  }

  private fly(
    link: NodeLink,
    subject: string,
    data: Uint8Array,
    headers: Headers,
    timeoutMs: number,
  ): Promise<TransportMessage> {
    return new Promise<TransportMessage>((resolve, reject) => {
      const flight: Flight = { sentAt: Date.now(), fail: reject };
      link.flights.add(flight);
      this.tick();
      this.host.transport.request(subject, data, { timeoutMs, headers }).then(
        (msg) => {
          link.flights.delete(flight);
          resolve(msg);
        },
        (err: unknown) => {
          link.flights.delete(flight);
          reject(err);
        },
      );
    });
  }

  /** Runs the probe check while calls are in flight. */
  private tick(): void {
    if (this.ticker !== undefined) return;
    const every = Math.max(20, Math.floor(this.probeAfterMs / 3));
    this.ticker = setInterval(() => this.check(), every).unref();
  }

  private check(): void {
    const now = Date.now();
    let flying = false;
    for (const [id, link] of this.links) {
      const oldest = link.flights.values().next().value as Flight | undefined;
      if (oldest === undefined) continue;
      flying = true;
      if (now - oldest.sentAt < this.probeAfterMs || link.probing || now - link.lastProbe < this.probeAfterMs)
        continue;
      this.probe(id, link);
    }
    if (!flying) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  /** Asks the broker whether the node still serves: "no responders" means it is gone. */
  private probe(id: string, link: NodeLink): void {
    link.probing = true;
    link.lastProbe = Date.now();
    this.host.transport.request(subjects.nodePing(id), empty, { timeoutMs: this.probeTimeoutMs }).then(
      () => {
        link.probing = false;
      },
      (err: unknown) => {
        link.probing = false;
        if (!isNoResponders(err)) return;
        this.host.logger.warn("remote node gone with calls in flight", {
          node: id,
          calls: link.flights.size,
        });
        if (this.host.registry.get(id) !== undefined) this.host.registry.remove(id, "gone");
        else this.departed(id, "gone");
      },
    );
  }

  private departed(id: string, why: Departure): void {
    const link = this.links.get(id);
    if (link === undefined) return;
    this.links.delete(id);
    // A graceful leaver drains its calls in flight: they will be answered.
    if (why === "left") return;
    const err = TesseraError.unavailable(`node ${id} was lost with the call in flight`, {
      node: id,
      reason: why,
    });
    for (const flight of link.flights) flight.fail(err);
    link.flights.clear();
  }

  /** Stops the probe timer (the node is stopping). */
  close(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }
}
