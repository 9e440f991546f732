import { afterAll, describe, expect, it } from "vitest";
import { natsTransport } from "../../../src/adapters/nats/index.js";
import type { NatsTransport } from "../../../src/adapters/nats/nats-transport.js";
import { resolveSettings } from "../../../src/config/settings.js";
import { TesseraError } from "../../../src/core/errors.js";
import { deleteStreams } from "../../support/jetstream.js";
import { NATS_URL, requireServer } from "../../support/servers.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const systems = [`shopA${run}`, `shopB${run}`] as const;

describe("the system name (issue 15, item 6)", () => {
  it("comes from TESSERA_SYSTEM over the project file, and must be one subject token", () => {
    const config = { services: [], system: "shop" };
    expect(resolveSettings(config, "dev", {}, {}, "/app").system).toBe("shop");
    expect(resolveSettings(config, "dev", { TESSERA_SYSTEM: "billing" }, {}, "/app").system).toBe("billing");
    expect(resolveSettings({ services: [] }, "dev", {}, {}, "/app").system).toBeUndefined();
    expect(() => natsTransport({ system: "a.b" })).toThrow(TesseraError);
  });
});

if (await requireServer("NATS", Number(new URL(NATS_URL).port))) {
  describe("two systems on one NATS (issue 15, item 6)", () => {
    const open: NatsTransport[] = [];
    const transport = async (system: string) => {
      const t = natsTransport({ servers: NATS_URL, name: `two-systems-${system}`, system });
      open.push(t);
      await t.connect();
      return t;
    };
    afterAll(async () => {
      await Promise.allSettled(open.map((t) => t.close()));
      for (const s of systems) await deleteStreams(NATS_URL, `${s}_`);
    });

    it("no longer answer each other's calls (subjects were tessera.* for every system)", async () => {
      const [a1, a2, b] = [
        await transport(systems[0]),
        await transport(systems[0]),
        await transport(systems[1]),
      ];
      await a1.respond("tessera.svc.text.upper", { queue: "text" }, (m) => ({
        data: enc(`A:${m.subject}:${dec(m.data)}`),
      }));
      const reply = await a2.request("tessera.svc.text.upper", enc("hi"), { timeoutMs: 5000 });
      expect(dec(reply.data)).toBe("A:tessera.svc.text.upper:hi");
      const err = await b.request("tessera.svc.text.upper", enc("hi"), { timeoutMs: 2000 }).catch((e) => e);
      expect(err).toBeInstanceOf(TesseraError);
      expect((err as TesseraError).details).toMatchObject({ reason: "no-responders" });
    });

    it("a no-responders error names the system and the subject on the wire (it gave only tessera.svc.text.upper)", async () => {
      const b = await transport(systems[1]);
      const err = await b.request("tessera.svc.text.upper", enc("hi"), { timeoutMs: 2000 }).catch((e) => e);
      expect((err as TesseraError).details).toEqual({
        reason: "no-responders",
        subject: "tessera.svc.text.upper",
        wireSubject: `${systems[1]}.tessera.svc.text.upper`,
        system: systems[1],
      });
      expect((err as TesseraError).message).toBe(
        `no responders for tessera.svc.text.upper (system ${systems[1]}, on the wire ${systems[1]}.tessera.svc.text.upper)`,
      );
    });

    it("no longer hear each other's events (a discovery heartbeat of one reached the other)", async () => {
      const [a, b] = [await transport(systems[0]), await transport(systems[1])];
      const heardByB: string[] = [];
      const heardByA: string[] = [];
      await b.subscribe("tessera.discovery.>", {}, (m) => void heardByB.push(m.subject));
      await a.subscribe("tessera.discovery.>", {}, (m) => void heardByA.push(m.subject));
      await a.publish("tessera.discovery.heartbeat", enc("node-of-a"));
      const until = Date.now() + 5000;
      while (heardByA.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      await a.connection!.flush();
      await b.connection!.flush();
      expect(heardByA).toEqual(["tessera.discovery.heartbeat"]);
      expect(heardByB).toEqual([]);
    });

    it("keep durable events apart: separate streams, each consumer sees only its system's", async () => {
      const [a, b] = [await transport(systems[0]), await transport(systems[1])];
      const seen: Record<string, string[]> = { a: [], b: [] };
      await a.durable!.consume("tessera.evt.order.placed", { consumer: "mailer" }, async (m) => {
        seen.a!.push(`${m.subject}:${dec(m.data)}`);
      });
      await b.durable!.consume("tessera.evt.order.placed", { consumer: "mailer" }, async (m) => {
        seen.b!.push(`${m.subject}:${dec(m.data)}`);
      });
      await a.durable!.publish("tessera.evt.order.placed", enc("1"), { id: "one" });
      await b.durable!.publish("tessera.evt.order.placed", enc("2"), { id: "one" });
      const until = Date.now() + 10_000;
      while ((seen.a!.length < 1 || seen.b!.length < 1) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 25));
      expect(seen).toEqual({ a: ["tessera.evt.order.placed:1"], b: ["tessera.evt.order.placed:2"] });
    });
  });
}
