import { describe, expect, it } from "vitest";
import { entry } from "../../src/core/entry.js";
import { event } from "../../src/core/event.js";
import { service } from "../../src/core/service.js";
import { subscribe } from "../../src/core/subscription.js";
import { captureLogger, createMemoryBus, failsWith, gate, useNodes, waitFor } from "./fixtures.js";

function heldService() {
  const state = { started: 0, finished: 0, release: gate() };
  const svc = service("held", {
    entries: {
      run: entry(async () => {
        state.started++;
        await state.release.opened;
        state.finished++;
        return "finished";
      }),
      quick: entry(() => "quick"),
    },
  });
  return { svc, state };
}

describe("node lifecycle", () => {
  const startNode = useNodes();

  it("goes from created to running to stopped, and reports readiness with its transport", async () => {
    const { svc } = heldService();
    const node = await startNode({ services: [svc] });
    expect(node.status).toBe("running");
    expect(node.readiness()).toEqual({
      ready: true,
      checks: { node: "running", transport: { kind: "memory", connected: true } },
    });
    await node.stop();
    expect(node.status).toBe("stopped");
    expect(node.readiness()).toMatchObject({
      ready: false,
      checks: { node: "stopped", transport: { connected: false } },
    });
    await failsWith(node.call(svc.entries.quick), "TESSERA_UNAVAILABLE");
    await node.stop();
  });

  it("refuses to start twice", async () => {
    const node = await startNode({ services: [] });
    await expect(node.start()).rejects.toMatchObject({ code: "TESSERA_DEFINITION" });
  });

  it("stop() waits for in-flight calls to finish", async () => {
    const { svc, state } = heldService();
    const node = await startNode({ services: [svc] });
    const call = node.call(svc.entries.run);
    await waitFor(() => expect(state.started).toBe(1));
    expect(node.pending).toBe(1);
    let stopped = false;
    const stopping = node.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    expect(node.status).toBe("stopping");
    state.release.open();
    expect(await call).toBe("finished");
    await stopping;
    expect(node.status).toBe("stopped");
    expect(node.pending).toBe(0);
  });

  it("stop() lets a remote caller get the reply of a call in flight", async () => {
    const { svc, state } = heldService();
    const bus = createMemoryBus();
    const server = await startNode({ bus, services: [svc] });
    const caller = await startNode({ bus, services: [], requestTimeout: 5000 });
    const call = caller.call(svc.entries.run);
    await waitFor(() => expect(state.started).toBe(1));
    const stopping = server.stop();
    state.release.open();
    expect(await call).toBe("finished");
    await stopping;
    await failsWith(caller.call(svc.entries.quick), "TESSERA_UNAVAILABLE");
  });

  it("stop() stops taking new remote calls at once", async () => {
    const { svc, state } = heldService();
    const bus = createMemoryBus();
    const server = await startNode({ bus, services: [svc] });
    const caller = await startNode({ bus, services: [], requestTimeout: 5000 });
    const inFlight = caller.call(svc.entries.run);
    await waitFor(() => expect(state.started).toBe(1));
    const stopping = server.stop();
    await failsWith(caller.call(svc.entries.quick), "TESSERA_UNAVAILABLE");
    state.release.open();
    await inFlight;
    await stopping;
  });

  it("stop() waits for event handlers in flight", async () => {
    const release = gate();
    const done: number[] = [];
    const ping = event("ping");
    const svc = service("listener", {
      on: {
        ping: subscribe(ping, async () => {
          await release.opened;
          done.push(1);
        }),
      },
    });
    const node = await startNode({ services: [svc] });
    await node.emit(ping, undefined);
    await waitFor(() => expect(node.pending).toBe(1));
    const stopping = node.stop();
    release.open();
    await stopping;
    expect(done).toEqual([1]);
  });

  it("stop() also waits for calls queued in a bulkhead", async () => {
    const release = gate();
    const finished: number[] = [];
    const svc = service("narrow", {
      entries: {
        run: entry({ bulkhead: { concurrency: 1, queue: 1 } }, async () => {
          await release.opened;
          finished.push(1);
        }),
      },
    });
    const node = await startNode({ services: [svc] });
    const calls = [node.call(svc.entries.run), node.call(svc.entries.run)];
    await waitFor(() => expect(node.pending).toBe(2));
    const stopping = node.stop();
    release.open();
    await Promise.all(calls);
    await stopping;
    expect(finished).toEqual([1, 1]);
    expect(node.pending).toBe(0);
  });

  it("stop() gives up waiting after drainTimeout and says so", async () => {
    const { svc, state } = heldService();
    const { logger, lines } = captureLogger();
    const node = await startNode({ services: [svc], logger, drainTimeout: 100 });
    const call = node.call(svc.entries.run).catch(() => undefined);
    await waitFor(() => expect(state.started).toBe(1));
    const t0 = Date.now();
    await node.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(node.status).toBe("stopped");
    expect(lines.some((l) => l.level === "warn" && l.msg === "stopped with work still in flight")).toBe(true);
    state.release.open();
    await call;
  });
});
