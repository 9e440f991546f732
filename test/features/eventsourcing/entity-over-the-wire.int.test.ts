import { afterEach, describe, it } from "vitest";
import { natsTransport } from "../../../src/adapters/nats/index.js";
import { NATS_URL, requireServer } from "../../support/servers.js";
import { entityCrossesTheWire } from "./entity-wire-scenario.js";

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("an Entity crosses processes over NATS (issue 17, bug 6)", () => {
    const cleanup: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const done of cleanup.splice(0).reverse()) await done();
    });

    it("an entry returning an Entity answers 200 with ISO dates and reads back as Dates over NATS", async () => {
      await entityCrossesTheWire(
        async () => {
          const t = natsTransport({ servers: NATS_URL, name: "entity-wire" });
          await t.connect();
          cleanup.push(() => t.close());
          return t;
        },
        (done) => cleanup.push(done),
      );
    });
  });
}
