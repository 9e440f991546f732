// Raw nats.js request/reply, the floor of a remote call: one inbox subscription and a map of waiting
// calls on the caller, a queue subscription that parses and answers on the responder, no validation.
// With `metadata`, each request also carries what Tesserae's calls carry in NATS headers (request id,
// deadline, W3C traceparent), and the responder reads them: the cost of headers alone.
import { connect, createInbox, headers, type MsgHdrs } from "@nats-io/transport-node";
import { measureRemoteCalls } from "./remote-caller.js";
import { NATS_URL, serveUntilParentGoes, startResponder } from "./responder.js";
import { type User, userReply } from "./workload.js";

const SUBJECT = "bench.raw.user";
const decoder = new TextDecoder();
const encoder = new TextEncoder();
const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

function metadataHeaders(id: string): MsgHdrs {
  const h = headers();
  h.set("ours-request-id", id);
  h.set("ours-deadline", String(Date.now() + 10_000));
  h.set("traceparent", traceparent);
  return h;
}

/** The caller: starts `responder` (a peer file), measures calls, stops it. */
export async function rawCaller(responder: string, metadata: boolean): Promise<void> {
  const child = await startResponder(responder);
  const nc = await connect({ servers: NATS_URL, name: "bench-raw-caller" });
  const inbox = `${createInbox()}.`;
  const waiting = new Map<string, (value: unknown) => void>();
  nc.subscribe(`${inbox}*`, {
    callback: (_err, msg) => {
      const id = msg.subject.slice(inbox.length);
      const resolve = waiting.get(id);
      if (resolve === undefined) return;
      waiting.delete(id);
      resolve(JSON.parse(decoder.decode(msg.data)));
    },
  });
  await nc.flush();
  let seq = 0;
  const call = (input: unknown) =>
    new Promise<unknown>((resolve) => {
      const id = (++seq).toString(36);
      waiting.set(id, resolve);
      const data = encoder.encode(JSON.stringify(input));
      nc.publish(
        SUBJECT,
        data,
        metadata ? { reply: inbox + id, headers: metadataHeaders(id) } : { reply: inbox + id },
      );
    });
  await measureRemoteCalls(call, false);
  await nc.close();
  await child.stop();
}

/** The responder: parses the request (and its headers with `metadata`), answers. */
export async function rawResponder(metadata: boolean): Promise<void> {
  const nc = await connect({ servers: NATS_URL, name: "bench-raw-responder" });
  let seen = 0;
  nc.subscribe(SUBJECT, {
    queue: "bench",
    callback: (_err, msg) => {
      if (msg.reply === undefined) return;
      if (metadata) {
        const h = msg.headers;
        // Read as a receiver would; counted so that the reads are not optimised away.
        if (h?.get("ours-request-id") && h.get("ours-deadline") && h.get("traceparent")) seen++;
      }
      const user = JSON.parse(decoder.decode(msg.data)) as User;
      nc.publish(msg.reply, encoder.encode(JSON.stringify(userReply(user))));
    },
  });
  await nc.flush();
  serveUntilParentGoes(() => nc.drain().then(() => seen));
}
