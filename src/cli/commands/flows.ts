import { readFileSync } from "node:fs";
import { TesseraError } from "../../core/errors.js";
import { CliError } from "../cli-error.js";
import type { CliCommand, CliContext } from "../command.js";
import { table } from "../output.js";
import { callRemote } from "../remote-call.js";
import { showDiagram } from "./flow-diagram.js";
import { pruneRuns } from "./flows-prune.js";

const subcommands = ["list", "start", "status", "cancel", "retry", "signal", "show", "prune"] as const;

function json(arg: string | undefined, what: string): unknown {
  if (arg === undefined) return undefined;
  const text = arg === "-" ? readFileSync(0, "utf8") : arg;
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`the ${what} is not JSON: ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`);
  }
}

function need(value: string | undefined, usage: string): string {
  if (value === undefined) throw new CliError(`missing argument: tesserae flows ${usage}`);
  return value;
}

/** The node to talk to: `--url`, else `TESSERA_URL`, else the local gateway on `PORT` (3000). */
function baseUrl(ctx: CliContext): string {
  if (typeof ctx.options.url === "string") return ctx.options.url;
  return process.env.TESSERA_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
}

type Row = Record<string, unknown>;

function runsTable(runs: readonly Row[]): string {
  return table([
    ["RUN", "FLOW", "STATUS", "CREATED"],
    ...runs.map((r) => [String(r.runId), String(r.flow), String(r.status), String(r.createdAt)]),
  ]);
}

/**
 * `tesserae flows …`: the runs of a running node, through its `flows` HTTP API (the same calls as
 * `curl`, with the node's validation and errors).
 */
export const flowsCommand: CliCommand = {
  name: "flows",
  summary: "Durable flows of a running node: list, start, status, cancel, retry, signal, show, prune",
  usage:
    "tesserae flows <list | start <flow> [json] | status [runId] | cancel <runId> | retry <runId> | signal <runId> <signal> [json] | show <flow> [--svg file] | prune [--flow f] [--older-than 30d] [--keep n] [--dry-run]>",
  description:
    "Talks to the flows API of a running node (--url, else TESSERA_URL, else http://127.0.0.1:$PORT or 3000).\n" +
    "start waits for the end of the run (up to --wait ms) unless --async; status without a run id lists the newest runs.\n" +
    "show prints a flow's diagram as Mermaid text (--svg <file>: as SVG; --run <runId>: a run's, steps by state).\n" +
    "prune deletes finished runs (completed, failed, compensated, cancelled; never running, waiting or blocked ones)\n" +
    "past each flow's retention, or, with --older-than and/or --keep, past those bounds for every flow (--flow: one);\n" +
    "--dry-run only counts them. It asks the node batch after batch until none is left.\n" +
    "A refused request prints CODE: message and exits 1.",
  examples: [
    "tesserae flows list",
    `tesserae flows start text-pipeline '{"message":"hello world"}'`,
    `tesserae flows start book-trip '{"traveller":"Ada","failAt":"car"}' --async --key trip-42`,
    "tesserae flows status 01a20cf6-4cc2-7000-aa89-07f04d6416ed",
    `tesserae flows signal <runId> approval '{"approved":true}'`,
    "tesserae flows show text-pipeline --svg text-pipeline.svg",
    "tesserae flows prune --older-than 30d --dry-run",
    "tesserae flows prune --flow book-trip --keep 1000",
  ],
  options: [
    { name: "url", type: "string", value: "<url>", description: "The node (default http://127.0.0.1:3000)" },
    { name: "token", type: "string", value: "<token>", description: "Bearer token (also TESSERA_TOKEN)" },
    { name: "async", type: "boolean", description: "start: answer at once with the run id (202)" },
    {
      name: "key",
      type: "string",
      value: "<key>",
      description: "start: idempotency key (same key, same run)",
    },
    {
      name: "callback",
      type: "string",
      value: "<url>",
      description: "start: URL notified when the run ends",
    },
    { name: "wait", type: "number", value: "<ms>", description: "start: how long to wait for the end" },
    {
      name: "flow",
      type: "string",
      value: "<name>",
      description: "status, prune: only the runs of this flow",
    },
    {
      name: "svg",
      type: "string",
      value: "<file>",
      description: "show: write the diagram as SVG to this file",
    },
    { name: "run", type: "string", value: "<runId>", description: "show: the diagram of this run" },
    {
      name: "older-than",
      type: "string",
      value: "<duration>",
      description: 'prune: runs that ended longer ago than this ("30d", "12h", ms)',
    },
    {
      name: "keep",
      type: "number",
      value: "<n>",
      description: "prune: keep the newest n finished runs per flow",
    },
    { name: "dry-run", type: "boolean", description: "prune: count the runs, delete nothing" },
  ],
  takesArguments: true,
  async run(ctx) {
    const [sub, a, b, c] = ctx.args;
    if (sub === undefined || !(subcommands as readonly string[]).includes(sub)) {
      throw new CliError(`which? tesserae flows ${subcommands.join(" | ")}`);
    }
    const token = typeof ctx.options.token === "string" ? ctx.options.token : process.env.TESSERA_TOKEN;
    const call = (entry: string, input: unknown) => callRemote(baseUrl(ctx), `flows.${entry}`, input, token);
    const print = (value: unknown) => ctx.out.out(JSON.stringify(value, null, 2));
    try {
      switch (sub) {
        case "list": {
          const flows = (await call("list", undefined)) as Row[];
          ctx.out.out(
            table([
              ["FLOW", "VERSION", "SIGNALS", "TRIGGERS"],
              ...flows.map((f) => [
                String(f.name),
                String(f.version),
                (f.signals as string[]).join(", ") || "-",
                (f.triggers as string[]).join(", ") || "-",
              ]),
            ]),
          );
          return 0;
        }
        case "start": {
          const name = need(a, "start <flow> [json]");
          const body: Row = {
            name,
            input: json(b, "input"),
            mode: ctx.options.async === true ? "async" : "sync",
          };
          if (typeof ctx.options.key === "string") body.idempotencyKey = ctx.options.key;
          if (typeof ctx.options.callback === "string") body.callbackUrl = ctx.options.callback;
          if (typeof ctx.options.wait === "number") body.waitMs = ctx.options.wait;
          print(await call("start", body));
          return 0;
        }
        case "status": {
          if (a !== undefined) {
            print(await call("getRun", { runId: a }));
            return 0;
          }
          const query = typeof ctx.options.flow === "string" ? { flow: ctx.options.flow } : {};
          ctx.out.out(runsTable((await call("listRuns", query)) as Row[]));
          return 0;
        }
        case "show":
          return await showDiagram(ctx, baseUrl(ctx), token, a);
        case "prune":
          return await pruneRuns(ctx, call);
        case "cancel":
        case "retry":
          print(await call(sub, { runId: need(a, `${sub} <runId>`) }));
          return 0;
        default:
          print(
            await call("signal", {
              runId: need(a, "signal <runId> <signal> [json]"),
              signal: need(b, "signal <runId> <signal> [json]"),
              payload: json(c, "payload"),
            }),
          );
          return 0;
      }
    } catch (err) {
      if (!(err instanceof TesseraError)) throw err;
      ctx.out.err(`${ctx.out.errColor.red(err.code)}: ${err.message}`);
      if (ctx.verbose && err.details !== undefined) ctx.out.err(JSON.stringify(err.details, null, 2));
      return 1;
    }
  },
};
