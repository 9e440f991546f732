import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

/** A stream prefix of its own for a test run, so that cleaning up touches nothing else on the shared server. */
export function testStreamPrefix(): string {
  return `TEST${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}_`;
}

/** Deletes the streams whose name starts with `prefix`. */
export async function deleteStreams(url: string, prefix: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(prefix)) await jsm.streams.delete(name).catch(() => undefined);
    }
  } finally {
    await nc.close();
  }
}
