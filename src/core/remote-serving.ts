import { headersToMeta } from "./call-headers.js";
import type { Invoke } from "./call-meta.js";
import type { Codec } from "./codec.js";
import { TesseraError } from "./errors.js";
import { newRequestId } from "./ids.js";
import type { Logger } from "./logger.js";
import type { ServiceDef } from "./service.js";
import { subjects } from "./subjects.js";
import type { Transport } from "./transport.js";
import type { TransportMessage, TransportSubscription, WireReply } from "./transport-message.js";
import { errorReplyOf, okReply } from "./wire-reply.js";

/** A local entry as the node serves it. */
export interface LocalEntry {
  readonly svc: ServiceDef;
  readonly serve: Invoke;
}

const pong: WireReply = { data: new Uint8Array(0) };

/**
 * Serves a node's local entries on the transport: on each entry's subject (a queue group per
 * service, any instance answers) and on the node's own subject (callers that chose this instance,
 * and the ping that tells them it is alive).
 */
export class RemoteServing {
  /** Calls served from the transport. */
  served = 0;

  constructor(
    private readonly nodeId: string,
    private readonly local: ReadonlyMap<string, LocalEntry>,
    private readonly codec: Codec,
    private readonly logger: Logger,
  ) {}

  /** Subscribes every local entry and the node's subject; resolves to the subscriptions. */
  async subscribe(transport: Transport): Promise<TransportSubscription[]> {
    const subs: TransportSubscription[] = [];
    for (const [id, { svc, serve }] of this.local) {
      const name = id.slice(svc.name.length + 1);
      subs.push(
        await transport.respond(subjects.entry(svc.name, name), { queue: svc.name }, (msg) =>
          this.serve(id, serve, msg),
        ),
      );
    }
    // One subscription for the calls addressed to this node.
    const prefix = subjects.nodeAll(this.nodeId).slice(0, -1);
    subs.push(
      await transport.respond(subjects.nodeAll(this.nodeId), {}, (msg) => {
        const id = msg.subject.slice(prefix.length);
        if (id === "_ping") return pong;
        const local = this.local.get(id);
        if (local === undefined)
          return errorReplyOf(TesseraError.notFound(`node ${this.nodeId} does not serve ${id}`));
        return this.serve(id, local.serve, msg);
      }),
    );
    return subs;
  }

  /** Serves one call: the reply at once when the work completed synchronously. */
  private serve(id: string, serve: Invoke, msg: TransportMessage): Promise<WireReply> | WireReply {
    this.served++;
    const meta = headersToMeta(msg.headers, newRequestId);
    if (meta.deadline !== undefined && meta.deadline <= Date.now())
      return errorReplyOf(TesseraError.timeout(`${id}: deadline passed before the call arrived`));
    let input: unknown;
    try {
      input = this.codec.decode(msg.data);
    } catch (cause) {
      return errorReplyOf(new TesseraError("TESSERA_BAD_REQUEST", `${id}: undecodable input`, { cause }));
    }
    const r = serve(input, meta);
    if (r instanceof Promise) return r.then((v) => this.replyOf(id, v), errorReplyOf);
    return this.replyOf(id, r);
  }

  private replyOf(id: string, value: unknown): WireReply {
    try {
      return okReply(this.codec, value);
    } catch (cause) {
      // The handler's result cannot travel (e.g. a Date with the JSON codec): a bug of the service.
      const err = new Error(`${id} returned a value that cannot be encoded: ${(cause as Error).message}`, {
        cause,
      });
      this.logger.error(`${id} failed`, { err });
      return errorReplyOf(new TesseraError("TESSERA_INTERNAL", "internal error", { cause: err }));
    }
  }
}
