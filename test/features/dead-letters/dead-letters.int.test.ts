import { afterEach, describe, it } from "vitest";
import { natsTransport } from "../../../src/adapters/nats/index.js";
import { deleteStreams } from "../../support/jetstream.js";
import { NATS_URL, requireServer } from "../../support/servers.js";
import { deadLettersRoundTrip } from "./dlq-scenario.js";

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("dead letters on NATS JetStream (issue 17, part C)", () => {
    const system = `dlq${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    const cleanup: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const done of cleanup.splice(0).reverse()) await done();
      await deleteStreams(NATS_URL, `${system}_`);
    });

    it("lists, replays and drops the dead letters of JetStream over HTTP under the management token", async () => {
      const t = natsTransport({ servers: NATS_URL, name: "dlq-test", system });
      await t.connect();
      cleanup.push(() => t.close());
      await deadLettersRoundTrip(t, (done) => cleanup.push(done));
    });
  });
}
