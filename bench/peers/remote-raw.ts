// Raw nats.js: publish/subscribe with a correlation id (one inbox subscription, a map of waiting calls).
import { connect, createInbox } from "@nats-io/transport-node";
import { measureRemoteCalls } from "../lib/remote-caller.js";
import { NATS_URL, startResponder } from "../lib/responder.js";

const responder = await startResponder("remote-raw-server");
const nc = await connect({ servers: NATS_URL, name: "bench-raw-caller" });
const inbox = `${createInbox()}.`;
const waiting = new Map<string, (value: unknown) => void>();
const decoder = new TextDecoder();
const encoder = new TextEncoder();
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
    nc.publish("bench.raw.user", encoder.encode(JSON.stringify(input)), { reply: inbox + id });
  });
await measureRemoteCalls(call, false);
await nc.close();
await responder.stop();
