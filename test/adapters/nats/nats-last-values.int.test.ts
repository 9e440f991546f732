import { describe, expect, it } from "vitest";
import { natsTransport } from "../../../src/adapters/nats/index.js";
import { TesseraError } from "../../../src/core/errors.js";
import { lastValuesContract } from "../../contract/last-values-contract.js";
import { deleteStreams, testStreamPrefix } from "../../support/jetstream.js";
import { NATS_URL, requireServer } from "../../support/servers.js";

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  lastValuesContract("nats jetstream", async () => {
    const streamPrefix = testStreamPrefix();
    const a = natsTransport({ servers: NATS_URL, name: "last-a", jetstream: { streamPrefix } });
    const b = natsTransport({ servers: NATS_URL, name: "last-b", jetstream: { streamPrefix } });
    return {
      a,
      b,
      cleanup: async () => {
        await a.close();
        await b.close();
        await deleteStreams(NATS_URL, streamPrefix);
      },
    };
  });
}

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("a value too large for the server", () => {
    it("regression: the owner's store warning said only 'JetStream did not store the value', not that it was too large", async () => {
      const streamPrefix = testStreamPrefix();
      const t = natsTransport({ servers: NATS_URL, name: "last-big", jetstream: { streamPrefix } });
      try {
        await t.connect();
        const big = new Uint8Array(t.maxPayload + 1);
        const err = await t.lastValues!.putIf!("state-at.big", big, 0).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TesseraError);
        expect((err as TesseraError).code).toBe("TESSERA_PAYLOAD_TOO_LARGE");
        expect((err as TesseraError).message).toContain(
          `JetStream did not store the value of state-at.big: it is too large (${t.maxPayload + 1} bytes`,
        );
      } finally {
        await t.close();
        await deleteStreams(NATS_URL, streamPrefix);
      }
    });
  });
}
