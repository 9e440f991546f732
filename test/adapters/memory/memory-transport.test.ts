import { describe, expect, it } from "vitest";
import { createMemoryBus, memoryTransport } from "../../../src/adapters/memory/index.js";
import { TesseraError } from "../../../src/core/errors.js";
import type { Transport } from "../../../src/core/transport.js";
import { errorOfReply } from "../../../src/core/wire-reply.js";
import { transportContract } from "../../contract/transport-contract.js";

transportContract("memory", async () => {
  const bus = createMemoryBus();
  const a = memoryTransport({ bus });
  const b = memoryTransport({ bus });
  return {
    a,
    b,
    cleanup: async () => {
      await a.close();
      await b.close();
    },
  };
});

const enc = (text: string) => new TextEncoder().encode(text);
const dec = (data: Uint8Array) => new TextDecoder().decode(data);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(TesseraError);
    return (err as TesseraError).code;
  }
  throw new Error("expected a rejection");
}

async function connected(...ts: Transport[]): Promise<Transport[]> {
  for (const t of ts) await t.connect();
  return ts;
}

describe("memory transport specifics", () => {
  it("keeps transports without a shared bus apart", async () => {
    const [a, b] = await connected(memoryTransport(), memoryTransport());
    await b!.respond("svc.x", {}, () => ({ data: enc("b") }));
    expect(await codeOf(a!.request("svc.x", enc(""), { timeoutMs: 1000 }))).toBe("TESSERA_UNAVAILABLE");
    await a!.close();
    await b!.close();
  });

  it("honours a configured payload limit, also for replies", async () => {
    const bus = createMemoryBus();
    const [a, b] = await connected(memoryTransport({ bus, maxPayload: 8 }), memoryTransport({ bus }));
    expect(a!.maxPayload).toBe(8);
    expect(await codeOf(a!.publish("s.big", new Uint8Array(9)))).toBe("TESSERA_PAYLOAD_TOO_LARGE");
    await a!.publish("s.ok", new Uint8Array(8));
    await a!.respond("s.reply", {}, () => ({ data: new Uint8Array(9) }));
    const reply = await b!.request("s.reply", enc(""), { timeoutMs: 1000 });
    expect(errorOfReply(reply)?.code).toBe("TESSERA_PAYLOAD_TOO_LARGE");
    await a!.close();
    await b!.close();
  });

  it("refuses to work before connect() with TESSERA_UNAVAILABLE", async () => {
    const t = memoryTransport();
    expect(t.status().connected).toBe(false);
    expect(await codeOf(t.publish("a.b", enc("")))).toBe("TESSERA_UNAVAILABLE");
    expect(await codeOf(t.request("a.b", enc(""), { timeoutMs: 100 }))).toBe("TESSERA_UNAVAILABLE");
    expect(await codeOf(t.subscribe("a.b", {}, () => undefined))).toBe("TESSERA_UNAVAILABLE");
  });

  it("refuses invalid subjects and patterns with TESSERA_BAD_REQUEST", async () => {
    const [t] = await connected(memoryTransport());
    expect(await codeOf(t!.publish("a.*", enc("")))).toBe("TESSERA_BAD_REQUEST");
    expect(await codeOf(t!.publish("a..b", enc("")))).toBe("TESSERA_BAD_REQUEST");
    expect(await codeOf(t!.request("a.>", enc(""), { timeoutMs: 100 }))).toBe("TESSERA_BAD_REQUEST");
    expect(await codeOf(t!.subscribe("a.>.b", {}, () => undefined))).toBe("TESSERA_BAD_REQUEST");
    expect(await codeOf(t!.respond("a b", {}, () => ({ data: enc("") })))).toBe("TESSERA_BAD_REQUEST");
    await t!.close();
  });

  it("rotates a queue group's members in turn", async () => {
    const [t] = await connected(memoryTransport());
    const counts = [0, 0, 0];
    for (const i of [0, 1, 2]) {
      await t!.subscribe("q.s", { queue: "g" }, () => {
        counts[i]!++;
      });
    }
    for (let k = 0; k < 9; k++) await t!.publish("q.s", enc(String(k)));
    await new Promise((r) => setImmediate(r));
    expect(counts).toEqual([3, 3, 3]);
    await t!.close();
  });

  it("delivers on a later turn of the event loop, never inside publish()", async () => {
    const [t] = await connected(memoryTransport());
    const got: string[] = [];
    await t!.subscribe("later.s", {}, (msg) => {
      got.push(dec(msg.data));
    });
    await t!.publish("later.s", enc("x"));
    expect(got).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual(["x"]);
    await t!.close();
  });

  it("close() is idempotent", async () => {
    const [t] = await connected(memoryTransport());
    await t!.close();
    await t!.close();
    expect(t!.status().connected).toBe(false);
  });
});
