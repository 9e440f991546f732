import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { JetStreamApiError } from "@nats-io/jetstream";
import { errors } from "@nats-io/transport-node";
import { describe, expect, it, vi } from "vitest";
import {
  type NatsLink,
  PublicationFailed,
  publicationFailure,
  publishWithRetry,
} from "../../../src/adapters/nats/jetstream-publish.js";
import { brokerFailure } from "../../../src/core/broker-failure.js";

const ack: PubAck = { stream: "S", seq: 1, duplicate: false, domain: "" } as PubAck;
const up: NatsLink = { ready: () => undefined, reconnecting: () => false };

/** How nats.js reports "no responders" on a publication: a JetStreamNotEnabled caused by a RequestError. */
function noResponders(): Error {
  const cause = new errors.RequestError("no responders", { cause: new errors.NoRespondersError("x") });
  return new Error("jetstream is not enabled", { cause });
}

/** A JetStream client whose publish answers with `outcomes` in turn (an Error is thrown). */
function fakeJs(outcomes: (PubAck | Error)[]): {
  js: JetStreamClient;
  calls: { msgID?: string; timeout?: number }[];
} {
  const calls: { msgID?: string; timeout?: number }[] = [];
  const js = {
    publish: async (_s: string, _d: Uint8Array, opts: { msgID?: string; timeout?: number }) => {
      calls.push(opts);
      const next = outcomes.shift() ?? ack;
      if (next instanceof Error) throw next;
      return next;
    },
  } as unknown as JetStreamClient;
  return { js, calls };
}

const pub = { subject: "tessera.evt.a.b", data: new Uint8Array([1]) };

describe("durable publications during a leader election (issue 15, item 2)", () => {
  it("a publication nobody took (no responders: the stream has no leader) is sent again until stored", async () => {
    const { js, calls } = fakeJs([noResponders(), noResponders(), ack]);
    await expect(publishWithRetry(js, pub, 5000, up)).resolves.toBe(ack);
    expect(calls).toHaveLength(3);
  });

  it("a publication JetStream answered as unavailable (503) is sent again", async () => {
    const unavailable = new JetStreamApiError({
      code: 503,
      err_code: 10008,
      description: "JetStream system temporarily unavailable",
    });
    const { js, calls } = fakeJs([unavailable, ack]);
    await expect(publishWithRetry(js, pub, 5000, up)).resolves.toBe(ack);
    expect(calls).toHaveLength(2);
  });

  it("without an id, a publication left without an answer is not sent again (it may be stored)", async () => {
    const { js, calls } = fakeJs([new errors.TimeoutError(), ack]);
    const failed = await publishWithRetry(js, pub, 5000, up).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(PublicationFailed);
    expect(failed).toMatchObject({ mayBeStored: true, cause: expect.any(errors.TimeoutError) });
    expect(calls).toHaveLength(1);
    // It waits for its answer for the whole timeout, not one attempt's.
    expect(calls[0]?.timeout).toBeGreaterThan(4000);
  });

  it("with an id, a publication left without an answer is sent again with the same id (JetStream drops the copy)", async () => {
    const { js, calls } = fakeJs([new errors.TimeoutError(), ack]);
    await expect(publishWithRetry(js, { ...pub, msgID: "order-7" }, 5000, up)).resolves.toBe(ack);
    expect(calls.map((c) => c.msgID)).toEqual(["order-7", "order-7"]);
    expect(calls[0]?.timeout).toBeLessThanOrEqual(2000);
  });

  it("a refusal that is not about availability (wrong last sequence) is not sent again", async () => {
    const refused = new JetStreamApiError({
      code: 400,
      err_code: 10071,
      description: "wrong last sequence: 3",
    });
    const { js, calls } = fakeJs([refused, ack]);
    await expect(publishWithRetry(js, pub, 5000, up)).rejects.toMatchObject({
      mayBeStored: false,
      cause: refused,
    });
    expect(calls).toHaveLength(1);
  });

  it("gives up at its timeout with the last failure", async () => {
    const { js, calls } = fakeJs(Array.from({ length: 100 }, noResponders));
    const started = Date.now();
    await expect(publishWithRetry(js, pub, 600, up)).rejects.toThrow("jetstream is not enabled");
    expect(Date.now() - started).toBeLessThan(2000);
    expect(calls.length).toBeGreaterThan(1);
  });

  it("while the client reconnects, the publication waits for it and is sent once, after", async () => {
    let reconnected = false;
    setTimeout(() => {
      reconnected = true;
    }, 300);
    const link: NatsLink = {
      ready: () => {
        if (!reconnected) throw brokerFailure("NATS connection lost, reconnecting");
      },
      reconnecting: () => !reconnected,
    };
    const { js, calls } = fakeJs([ack]);
    await expect(publishWithRetry(js, pub, 5000, link)).resolves.toBe(ack);
    expect(calls).toHaveLength(1);
  });

  it("a stream check that has no answer (no leader elected yet) does not hold the publication past one attempt: every emit in flight failed at a kill of the stream's leader", async () => {
    vi.useFakeTimers();
    try {
      const { js, calls } = fakeJs([noResponders(), noResponders(), ack]);
      let checks = 0;
      const never = () => {
        checks++;
        return new Promise<boolean>(() => undefined);
      };
      let result: PubAck | undefined;
      void publishWithRetry(js, pub, 15_000, up, never).then((a) => {
        result = a;
      });
      await vi.advanceTimersByTimeAsync(2500);
      expect(result).toBe(ack);
      expect(calls).toHaveLength(3);
      expect(checks).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("on a closed transport it fails at once", async () => {
    const closed: NatsLink = {
      ready: () => {
        throw brokerFailure("NATS transport is not connected");
      },
      reconnecting: () => false,
    };
    const { js, calls } = fakeJs([ack]);
    await expect(publishWithRetry(js, pub, 5000, closed)).rejects.toThrow("not connected");
    expect(calls).toHaveLength(0);
  });
});

describe("what a failed emit says of its fate (issue 15 verification, finding 3)", () => {
  const what = {
    what: "the message on tessera.evt.bench.tick",
    ifUnknown: "emitting it again with the same id is safe",
  };

  it("the failed-emit message is wrong: one left without an acknowledgement said 'did not store' and was stored and delivered; now it may have been stored", async () => {
    const { js } = fakeJs(Array.from({ length: 100 }, () => new errors.TimeoutError()));
    const failed = await publishWithRetry(js, { ...pub, msgID: "tick-1" }, 300, up).catch((e: unknown) => e);
    const err = publicationFailure(failed, what);
    expect(err.code).toBe("TESSERA_UNAVAILABLE");
    expect(err.message).toBe(
      "JetStream did not acknowledge the message on tessera.evt.bench.tick within 0.3 s: it may have been stored (and then it is delivered); emitting it again with the same id is safe",
    );
    expect(err.details).toEqual({ reason: "broker", maybeStored: true });
  });

  it("an attempt left without an answer keeps the fate unknown when the last one found no leader", async () => {
    const { js } = fakeJs([new errors.TimeoutError(), ...Array.from({ length: 100 }, noResponders)]);
    const failed = await publishWithRetry(js, { ...pub, msgID: "tick-2" }, 600, up).catch((e: unknown) => e);
    expect(failed).toMatchObject({ mayBeStored: true });
    expect(publicationFailure(failed, what).message).toContain("it may have been stored");
  });

  it("one nobody took is known not to be stored", async () => {
    const { js } = fakeJs(Array.from({ length: 100 }, noResponders));
    const failed = await publishWithRetry(js, pub, 300, up).catch((e: unknown) => e);
    const err = publicationFailure(failed, what);
    expect(err.message).toBe(
      "JetStream did not store the message on tessera.evt.bench.tick: no server took it (the stream has no leader, or JetStream is unavailable); nothing was stored",
    );
    expect(err.details).toEqual({ reason: "broker", maybeStored: false });
  });

  it("one refused by JetStream, or never sent on a closed connection, says so", async () => {
    const refused = new JetStreamApiError({
      code: 400,
      err_code: 10071,
      description: "wrong last sequence: 3",
    });
    const { js } = fakeJs([refused]);
    const err = publicationFailure(await publishWithRetry(js, pub, 300, up).catch((e: unknown) => e), what);
    expect(err.message).toBe(
      "JetStream refused the message on tessera.evt.bench.tick: wrong last sequence: 3",
    );
    const closed: NatsLink = {
      ready: () => {
        throw brokerFailure("NATS transport is not connected");
      },
      reconnecting: () => false,
    };
    const notSent = publicationFailure(
      await publishWithRetry(js, pub, 300, closed).catch((e: unknown) => e),
      what,
    );
    expect(notSent.message).toBe(
      "JetStream did not store the message on tessera.evt.bench.tick: NATS transport is not connected",
    );
    expect(notSent.details).toEqual({ reason: "broker", maybeStored: false });
  });
});
