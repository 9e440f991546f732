import type { JsMsg } from "@nats-io/jetstream";
import type { MsgHdrs } from "@nats-io/transport-node";
import {
  type DurableConsumerOptions,
  type DurableMessage,
  type DurableStreams,
  deadLetterHeaders,
  eventIdOf,
  PoisonMessage,
} from "../../core/durable-streams.js";
import { TesseraError } from "../../core/errors.js";
import type { Headers } from "../../core/transport-message.js";
import { publisherId } from "./jetstream-publish.js";
import type { SubjectSpace } from "./subject-space.js";

const msgIdHeader = "Nats-Msg-Id";

/** The dead letter's header naming the message's event id, when it has one. */
function idHeader(m: JsMsg): Headers {
  const id = eventIdOf({ headers: headersOfJs(m.headers), id: publisherId(m.headers?.get(msgIdHeader)) });
  return id === undefined ? {} : { [deadLetterHeaders.id]: id };
}

function headersOfJs(h: MsgHdrs | undefined): Headers {
  if (h === undefined) return {};
  const out: Record<string, string> = {};
  for (const [key, values] of h) if (values[0] !== undefined && key !== msgIdHeader) out[key] = values[0];
  return out;
}

function messageOf(err: unknown): string {
  if (err instanceof TesseraError) return `${err.code}: ${err.message}`;
  return err instanceof Error ? err.message : String(err);
}

/** Acknowledgements need the connection: on a closed one the server redelivers after ack_wait anyway. */
function settle(ack: () => void): void {
  try {
    ack();
  } catch {
    // See above.
  }
}

/** Runs the handler on each delivery and settles the message: ack, nak with backoff, or dead letter. */
export class DeliveryRunner {
  private readonly backoff: readonly number[];

  constructor(
    private readonly streams: DurableStreams,
    private readonly options: DurableConsumerOptions,
    private readonly maxDeliveries: number,
    private readonly handler: (msg: DurableMessage) => Promise<void>,
    private readonly space: SubjectSpace,
  ) {
    this.backoff =
      options.backoffMs !== undefined && options.backoffMs.length > 0 ? options.backoffMs : [100, 1000, 5000];
  }

  run(m: JsMsg): void {
    void this.deliver(m);
  }

  private async deliver(m: JsMsg): Promise<void> {
    const deliveries = m.info.deliveryCount;
    if (deliveries > this.maxDeliveries) {
      await this.deadLetter(m, deliveries - 1, "earlier deliveries never completed");
      return;
    }
    const msg: DurableMessage = {
      subject: this.space.in(m.subject),
      data: m.data,
      headers: headersOfJs(m.headers),
      deliveries,
      id: publisherId(m.headers?.get(msgIdHeader)),
    };
    try {
      await this.handler(msg);
    } catch (err) {
      if (err instanceof PoisonMessage || deliveries >= this.maxDeliveries) {
        await this.deadLetter(m, deliveries, messageOf(err));
      } else {
        settle(() => m.nak(this.backoff[Math.min(deliveries - 1, this.backoff.length - 1)]));
      }
      return;
    }
    settle(() => m.ack());
  }

  private async deadLetter(m: JsMsg, deliveries: number, reason: string): Promise<void> {
    const to = this.options.deadLetter;
    if (to !== undefined) {
      try {
        await this.streams.publish(to, m.data, {
          headers: {
            ...headersOfJs(m.headers),
            [deadLetterHeaders.subject]: this.space.in(m.subject),
            [deadLetterHeaders.consumer]: this.options.consumer,
            [deadLetterHeaders.deliveries]: String(deliveries),
            [deadLetterHeaders.error]: reason.slice(0, 500),
            ...idHeader(m),
          },
          // A redelivery of a message already dead-lettered must not be stored twice.
          id: `dlq:${m.info.stream}:${m.seq}:${this.options.consumer}`,
        });
      } catch {
        // Not stored: leave the message unacknowledged, the server delivers it again after ack_wait.
        return;
      }
    }
    // A plain term: nats-server before 2.10 ignores one that carries a reason ("+TERM <reason>"), so
    // the message stayed pending and came back after the ack wait, holding a place of
    // max_ack_pending meanwhile (issue 15 verification). The reason travels in the dead letter.
    settle(() => m.term());
  }
}
