import { describe, expect, it } from "vitest";
import { brokerFailure, isBrokerFailure } from "../../src/core/broker-failure.js";
import { TesseraError } from "../../src/core/errors.js";
import { CircuitBreaker } from "../../src/core/middleware/circuit-breaker.js";
import type { BreakerPolicy } from "../../src/core/policies.js";
import { errorOfReply, errorReplyOf } from "../../src/core/wire-reply.js";

/** The default breaker of a remote node (remote-router.ts). */
const nodePolicy: BreakerPolicy = {
  threshold: 0.5,
  minRequests: 5,
  windowMs: 10_000,
  openMs: 2000,
  failOn: ["TESSERA_UNAVAILABLE", "TESSERA_OVERLOADED"],
};

function hand(policy: BreakerPolicy) {
  let now = 1_000_000;
  const b = new CircuitBreaker("svc.entry@node-a", policy, () => now);
  return {
    b,
    advance: (ms: number) => {
      now += ms;
    },
    call: (outcome: unknown) => {
      b.admit();
      b.record(outcome);
    },
  };
}

/** A broker failure as the caller sees it when a remote node's durable emit met a JetStream outage. */
function remoteJetStreamOutage(): TesseraError {
  const reply = errorReplyOf(brokerFailure("JetStream did not store the message on tessera.events.x"));
  return errorOfReply({ subject: "_INBOX.x", data: reply.data, headers: reply.headers ?? {} })!;
}

describe("broker failures are not node failures (issue 15, item 7)", () => {
  it("a JetStream outage no longer opens the circuit to a healthy node (it answered 1,000+ CIRCUIT_OPEN)", () => {
    const { b, call } = hand(nodePolicy);
    for (let i = 0; i < 1000; i++) call(remoteJetStreamOutage());
    expect(b.current).toBe("closed");
    expect(() => b.admit()).not.toThrow();
  });

  it("a lost NATS connection on the caller's side no longer counts against the node it called", () => {
    const { b, call } = hand(nodePolicy);
    for (let i = 0; i < 50; i++) call(brokerFailure("NATS connection lost, reconnecting"));
    expect(b.current).toBe("closed");
  });

  it("the node's own failures still open it", () => {
    const { b, call } = hand(nodePolicy);
    for (let i = 0; i < 5; i++) call(TesseraError.unavailable("node at capacity"));
    expect(b.current).toBe("open");
  });

  it("broker failures neither dilute nor hide the node's own failures in the window", () => {
    const { b, call } = hand(nodePolicy);
    for (let i = 0; i < 20; i++) call(brokerFailure("connection to NATS lost"));
    for (let i = 0; i < 5; i++) call(TesseraError.unavailable("node at capacity"));
    expect(b.current).toBe("open");
  });

  it("a half-open trial that meets a broker failure frees the next trial instead of sticking or reopening", () => {
    const { b, call, advance } = hand(nodePolicy);
    for (let i = 0; i < 5; i++) call(TesseraError.unavailable("node at capacity"));
    advance(2000);
    call(brokerFailure("JetStream is not enabled on the NATS server"));
    expect(b.current).toBe("half-open");
    call(undefined);
    expect(b.current).toBe("closed");
  });

  it("the mark crosses the wire, and only broker failures carry it", () => {
    expect(isBrokerFailure(remoteJetStreamOutage())).toBe(true);
    expect(isBrokerFailure(TesseraError.unavailable("down"))).toBe(false);
    expect(isBrokerFailure(new Error("x"))).toBe(false);
  });
});
