import { findConfigFile } from "../../config/load-project.js";
import { type NatsSettings, resolveNatsSecurity } from "../../config/nats-settings.js";
import { transportFor, transportKind } from "../../config/transport-url.js";
import type { RegisteredNode } from "../../core/endpoint-registry.js";
import { TesseraError } from "../../core/errors.js";
import { maskUrl } from "../../core/mask-url.js";
import type { Topology } from "../../core/node-introspection.js";
import { observeNodes } from "../../features/discovery/observe-nodes.js";
import { CliError } from "../cli-error.js";
import type { CliCommand, CliContext } from "../command.js";
import { type Colors, table } from "../output.js";

/** The topology a running node's gateway shows (`GET /registry`): itself first, then the others. */
async function fromGateway(base: string): Promise<RegisteredNode[]> {
  let res: Response;
  try {
    res = await fetch(new URL("/registry", base));
  } catch (err) {
    throw new CliError(`cannot reach ${base}: ${(err as Error).cause ?? (err as Error).message}`);
  }
  if (!res.ok) throw new CliError(`${base}/registry answered ${res.status}: is it a Tesserae node?`);
  const topology = (await res.json()) as Topology;
  return [{ ...topology.self, lastSeen: Date.now() }, ...topology.nodes];
}

/**
 * The transport URL: `--transport`, else the project's settings, else `TESSERA_TRANSPORT`; and the
 * NATS credentials of the project's settings (else of `TESSERA_NATS_*`).
 */
async function transportUrl(
  ctx: CliContext,
): Promise<{ url: string; security: NatsSettings; system?: string | undefined }> {
  const flag = typeof ctx.options.transport === "string" ? ctx.options.transport : undefined;
  try {
    findConfigFile(ctx.cwd, typeof ctx.options.config === "string" ? ctx.options.config : undefined);
  } catch {
    const security = resolveNatsSecurity(process.env, undefined, undefined);
    const system = process.env.TESSERA_SYSTEM || undefined;
    return { url: flag ?? (process.env.TESSERA_TRANSPORT || "memory"), security, system };
  }
  const { settings } = await ctx.project();
  return { url: flag ?? settings.transport, security: settings.nats, system: settings.system };
}

/** The announcements heard on the transport within `waitMs`, without joining the system. */
async function fromTransport(
  url: string,
  security: NatsSettings,
  system: string | undefined,
  waitMs: number,
): Promise<RegisteredNode[]> {
  if (transportKind(url) === "memory") {
    throw new CliError(
      "the memory transport does not reach other processes: give --transport nats://host:port, or --url of a running node",
    );
  }
  const transport = await transportFor(url, { name: "tesserae-nodes", security, system });
  try {
    await transport.connect();
  } catch (err) {
    throw new CliError(err instanceof TesseraError ? err.message : String(err));
  }
  try {
    return await observeNodes(transport, { waitMs });
  } finally {
    await transport.close();
  }
}

function ago(ms: number): string {
  return ms < 1000 ? "now" : `${(ms / 1000).toFixed(1)} s ago`;
}

/** The aligned table of nodes: one line each. */
export function nodesTable(c: Colors, nodes: readonly RegisteredNode[], now = Date.now()): string {
  return table([
    ["NODE", "HOST", "PID", "VERSION", "STAGE", "SERVICES", "READY", "LOAD", "LAST SEEN"].map((h) =>
      c.dim(h),
    ),
    ...nodes.map((n) => [
      c.bold(n.id),
      n.host,
      String(n.pid),
      n.version,
      n.stage,
      n.services.length === 0 ? c.dim("none (gateway)") : c.cyan(n.services.map((s) => s.name).join(",")),
      n.ready ? c.green("yes") : c.red("no"),
      `${n.load.inFlight} / ${n.load.served.toLocaleString("en-US")}`,
      ago(Math.max(0, now - n.lastSeen)),
    ]),
  ]);
}

export const nodesCommand: CliCommand = {
  name: "nodes",
  summary: "Show the live nodes of the system: their services, readiness and load",
  usage: "tesserae nodes [--url <url>] [--wait <ms>] [--json]",
  description:
    "Connects to the project's transport (--transport, TESSERA_TRANSPORT or the project file), asks every\n" +
    "node to announce itself, listens for about a heartbeat (--wait) and prints what it heard, without\n" +
    "joining the system. With --url, asks a running node's gateway instead (GET /registry: the node and\n" +
    "the nodes it knows). LOAD is calls in flight / calls served since the node started.",
  examples: [
    "tesserae nodes",
    "TESSERA_TRANSPORT=nats://127.0.0.1:4222 tesserae nodes --json",
    "tesserae nodes --url http://127.0.0.1:3000",
  ],
  options: [
    { name: "url", type: "string", value: "<url>", description: "Ask a running node's GET /registry" },
    {
      name: "wait",
      type: "number",
      value: "<ms>",
      description: "How long to listen for announcements (default 1200, past one heartbeat)",
    },
    { name: "json", type: "boolean", description: "Print JSON instead of a table" },
  ],
  async run(ctx) {
    const wait = typeof ctx.options.wait === "number" ? ctx.options.wait : 1200;
    if (!(wait > 0)) throw new CliError("--wait must be a positive number of ms");
    let nodes: RegisteredNode[];
    let source: string;
    if (typeof ctx.options.url === "string") {
      source = ctx.options.url;
      nodes = await fromGateway(source);
    } else {
      const { url, security, system } = await transportUrl(ctx);
      source = `${maskUrl(url)}${system === undefined ? "" : ` (system ${system})`}`;
      nodes = await fromTransport(url, security, system, wait);
    }
    if (ctx.options.json === true) {
      ctx.out.out(JSON.stringify(nodes, null, 2));
      return 0;
    }
    const c = ctx.out.errColor;
    if (nodes.length === 0) {
      ctx.out.err(c.dim(`no node answered on ${source} within ${wait} ms`));
      return 0;
    }
    ctx.out.out(nodesTable(ctx.out.color, nodes));
    ctx.out.err(c.dim(`${nodes.length} node${nodes.length === 1 ? "" : "s"} on ${source}`));
    return 0;
  },
};
