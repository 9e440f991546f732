import { CallContext } from "../../core/call-context.js";
import { headersToMeta, metaToHeaders } from "../../core/call-headers.js";
import type { CallMeta } from "../../core/call-meta.js";
import { TesseraError } from "../../core/errors.js";
import { newRequestId } from "../../core/ids.js";
import type { NodePlugin, TesseraNode } from "../../core/node.js";
import type { TransportSubscription, WireReply } from "../../core/transport-message.js";
import type { UseKey } from "../../core/uses.js";
import { errorOfReply, errorReplyOf } from "../../core/wire-reply.js";
import { type Addresses, addressOf, checkAddresses, loadAddresses } from "./addresses.js";
import { checkArgs } from "./arg-model.js";
import type { ConnectionDef, Publisher, Requester } from "./connection.js";
import { CONNECTIONS, type ConnectionUse, connectionUsesOf } from "./connection-uses.js";

export interface ConnectionsOptions {
  /** The wiring: an object, or the path of a JSON addresses file. Default: `tessera.conn.<name>` for every connection. */
  readonly addresses?: Addresses | string;
  /** Bound of a request without a `timeout` (default 10 000 ms). */
  readonly requestTimeout?: number;
}

/**
 * Wired connections, a node plugin: it serves the repliers and subscribers of the local services
 * on the subjects their addresses name, and gives requesters and publishers their sending side
 * through `ctx.use(conn)`. Every message is checked against its argument model when sent and when
 * received, every reply against the return model when sent and when received: a message that
 * fails is refused with `TESSERA_VALIDATION` (to the sender when it can be told), never delivered
 * half-valid; a reply that fails its return model still answers, with an error.
 *
 * @example
 * const node = createNode({ services, transport, plugins: [connections({ addresses: "./addresses.json" })] });
 */
export function connections(options: ConnectionsOptions = {}): NodePlugin {
  // An object given in code is checked as a file is: `{ quote: 5 }` is TESSERA_CONFIG, not a TypeError later.
  const addresses: Addresses =
    typeof options.addresses === "string"
      ? loadAddresses(options.addresses)
      : checkAddresses(options.addresses ?? {}, "connections({ addresses })");
  const requestTimeout = options.requestTimeout ?? 10_000;
  let subs: TransportSubscription[] = [];

  const serve = async (node: TesseraNode, service: string, use: ConnectionUse) => {
    const { transport, codec, logger } = node;
    const conn = use.connection;
    const address = addressOf(addresses, service, conn.name);
    const target = `${service}.${conn.name}`;
    if (use.role === "replier") {
      const handler = use.handler;
      const answer = async (input: unknown, meta: CallMeta): Promise<WireReply> => {
        let parsed: unknown;
        try {
          parsed = checkArgs(conn.args, input, `arguments of ${conn.name}`);
        } catch (err) {
          return errorReplyOf(err);
        }
        const ctx = new CallContext(node, target, meta);
        let result: unknown;
        try {
          result = await handler(parsed as never, ctx);
        } catch (err) {
          if (!(err instanceof TesseraError))
            logger.error(`${target} failed`, { err, requestId: meta.requestId });
          return errorReplyOf(err);
        }
        try {
          if (conn.kind !== "request-reply") throw new Error("unreachable");
          return { data: codec.encode(checkArgs(conn.returns, result, `reply of ${conn.name}`)) };
        } catch (err) {
          // The replier's bug: the requester still gets an answer, an error that says what is wrong.
          const e = TesseraError.from(err);
          logger.error(`${target} answered a reply that fails its return model`, { err: e });
          return errorReplyOf(new TesseraError("TESSERA_INTERNAL", e.message, { details: e.details }));
        }
      };
      subs.push(
        await transport.respond(address.subject, { queue: service }, (msg) => {
          const meta = headersToMeta(msg.headers, newRequestId);
          let input: unknown;
          try {
            input = codec.decode(msg.data);
          } catch (cause) {
            return errorReplyOf(
              new TesseraError("TESSERA_BAD_REQUEST", `${conn.name}: undecodable arguments`, { cause }),
            );
          }
          return node.track(answer(input, meta));
        }),
      );
    } else if (use.role === "subscriber") {
      const handler = use.handler;
      const patterns =
        address.topics === undefined
          ? [address.subject, `${address.subject}.>`]
          : address.topics.map((t) => `${address.subject}.${t}`);
      const prefix = `${address.subject}.`;
      for (const pattern of patterns) {
        subs.push(
          // Every instance gets every message unless the subscriber asked for queue semantics.
          await transport.subscribe(pattern, use.queue ? { queue: service } : {}, async (msg) => {
            const topic = msg.subject.startsWith(prefix) ? msg.subject.slice(prefix.length) : undefined;
            let parsed: unknown;
            try {
              parsed = checkArgs(conn.args, codec.decode(msg.data), `message of ${conn.name}`);
            } catch (err) {
              logger.warn(`${target}: a message that fails its model was refused`, { err });
              return;
            }
            const ctx = new CallContext(node, target, headersToMeta(msg.headers, newRequestId));
            try {
              await node.track(Promise.resolve(handler(parsed as never, ctx, topic)));
            } catch (err) {
              logger.error(`${target} failed`, { err });
            }
          }),
        );
      }
    }
  };

  /**
   * The sending side of `conn` for `service`. Sent from a handler (`caller`), a message is part of
   * its call: same request id, identity and trace, and a request waits no longer than the caller's
   * deadline. Outside a handler, a message starts a new chain.
   */
  const sender = (
    node: TesseraNode,
    conn: ConnectionDef,
    service: string,
    caller: CallMeta | undefined,
  ): Requester<unknown, unknown> | Publisher<unknown> => {
    const { transport, codec } = node;
    const address = addressOf(addresses, service, conn.name);
    const meta = (deadline: number | undefined): CallMeta => ({
      requestId: caller?.requestId ?? newRequestId(),
      identity: caller?.identity,
      deadline,
      signal: undefined,
      trace: caller?.trace,
    });
    if (conn.kind === "request-reply") {
      return {
        async request(input, opts) {
          const checked = checkArgs(conn.args, input, `arguments of ${conn.name}`);
          const own = Date.now() + (opts?.timeout ?? requestTimeout);
          const deadline = caller?.deadline !== undefined && caller.deadline < own ? caller.deadline : own;
          const timeoutMs = deadline - Date.now();
          if (timeoutMs <= 0) throw TesseraError.timeout(`${conn.name}: the caller's deadline has passed`);
          const reply = await transport.request(address.subject, codec.encode(checked), {
            timeoutMs,
            headers: metaToHeaders(meta(deadline)),
          });
          const remote = errorOfReply(reply);
          if (remote !== undefined) throw remote;
          return checkArgs(conn.returns, codec.decode(reply.data), `reply of ${conn.name}`);
        },
      };
    }
    return {
      async publish(input, opts) {
        const checked = checkArgs(conn.args, input, `message of ${conn.name}`);
        const subject = opts?.topic === undefined ? address.subject : `${address.subject}.${opts.topic}`;
        await transport.publish(subject, codec.encode(checked), metaToHeaders(meta(caller?.deadline)));
      },
    };
  };

  return {
    name: CONNECTIONS,
    async start(node) {
      const byConnection = new Map<
        string,
        { conn: ConnectionDef; senders: Map<string, "requester" | "publisher"> }
      >();
      for (const svc of node.services) {
        for (const use of connectionUsesOf(svc)) {
          const conn = use.connection;
          const entry = byConnection.get(conn.name) ?? { conn, senders: new Map() };
          if (entry.conn !== conn)
            throw TesseraError.definition(conn.name, `two different connections are named "${conn.name}"`);
          byConnection.set(conn.name, entry);
          if (use.role === "requester" || use.role === "publisher") entry.senders.set(svc.name, use.role);
        }
      }
      for (const { conn, senders } of byConnection.values()) {
        const cache = new Map<string, Requester<unknown, unknown> | Publisher<unknown>>();
        node.provide(conn as UseKey<unknown>, (service, caller) => {
          if (!senders.has(service)) {
            const role = conn.kind === "request-reply" ? "requester" : "publisher";
            throw new TesseraError(
              "TESSERA_DEFINITION",
              `service "${service}" does not declare ${role}(${conn.name}) in its uses`,
            );
          }
          // A handler's sender carries its call; the one used outside handlers is made once.
          if (caller !== undefined) return sender(node, conn, service, caller) as never;
          let s = cache.get(service);
          if (s === undefined) {
            s = sender(node, conn, service, undefined);
            cache.set(service, s);
          }
          return s as never;
        });
      }
      for (const svc of node.services)
        for (const use of connectionUsesOf(svc)) await serve(node, svc.name, use);
    },
    async stop() {
      const all = subs;
      subs = [];
      await Promise.allSettled(all.map((s) => s.unsubscribe()));
    },
  };
}
