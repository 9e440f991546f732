import type { DeadLetter } from "../../core/dead-letter-store.js";
import { TesseraError } from "../../core/errors.js";
import { CliError } from "../cli-error.js";
import type { CliCommand, CliContext } from "../command.js";
import { table } from "../output.js";
import { callRemote } from "../remote-call.js";

const subcommands = ["list", "replay", "drop"] as const;

/** The node to talk to: `--url`, else `TESSERA_URL`, else the local gateway on `PORT` (3000). */
function baseUrl(ctx: CliContext): string {
  if (typeof ctx.options.url === "string") return ctx.options.url;
  return process.env.TESSERA_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
}

function lettersTable(letters: readonly DeadLetter[]): string {
  return table([
    ["ID", "SUBJECT", "CONSUMER", "DELIVERIES", "TIME", "ERROR"],
    ...letters.map((l) => [
      l.id,
      l.subject,
      l.consumer,
      String(l.deliveries),
      l.time,
      l.error.length > 60 ? `${l.error.slice(0, 60)}…` : l.error,
    ]),
  ]);
}

/**
 * `tesserae dlq …`: the dead letters of a running node's transport, through its `/dlq` routes (the
 * management API's credentials: `--token`, else `TESSERA_MANAGEMENT_TOKEN`).
 */
export const dlqCommand: CliCommand = {
  name: "dlq",
  summary: "Dead letters of the durable streams: list, replay, drop",
  usage: "tesserae dlq <list | replay <id…> | drop <id…>>",
  description:
    "Talks to the /dlq routes of a running node (--url, else TESSERA_URL, else http://127.0.0.1:$PORT or 3000),\n" +
    "with the management token (--token, else TESSERA_MANAGEMENT_TOKEN).\n" +
    "list prints the oldest first (--service: only that service's consumers; --limit, default 100; --json).\n" +
    "replay publishes each letter again to its original subject (every durable consumer of it receives it), then removes it.\n" +
    "drop removes each letter. A refused request prints CODE: message and exits 1.",
  examples: [
    "tesserae dlq list",
    "tesserae dlq list --service mailer --json",
    "tesserae dlq replay TESSERA_tessera_dlq_mailer:42",
    "tesserae dlq drop mem-7 mem-8",
  ],
  options: [
    { name: "url", type: "string", value: "<url>", description: "The node (default http://127.0.0.1:3000)" },
    {
      name: "token",
      type: "string",
      value: "<token>",
      description: "The management token (also TESSERA_MANAGEMENT_TOKEN)",
    },
    {
      name: "service",
      type: "string",
      value: "<name>",
      description: "list: only this service's dead letters",
    },
    { name: "limit", type: "number", value: "<n>", description: "list: at most n (default 100)" },
    { name: "json", type: "boolean", description: "list: print JSON" },
  ],
  takesArguments: true,
  async run(ctx) {
    const [sub, ...ids] = ctx.args;
    if (sub === undefined || !(subcommands as readonly string[]).includes(sub)) {
      throw new CliError(`which? tesserae dlq ${subcommands.join(" | ")}`);
    }
    const token =
      typeof ctx.options.token === "string" ? ctx.options.token : process.env.TESSERA_MANAGEMENT_TOKEN;
    const call = (entry: string, input: unknown) =>
      callRemote(baseUrl(ctx), `dead-letters.${entry}`, input, token);
    try {
      if (sub === "list") {
        const query: Record<string, unknown> = {};
        if (typeof ctx.options.service === "string") query.service = ctx.options.service;
        if (typeof ctx.options.limit === "number") query.limit = ctx.options.limit;
        const { items } = (await call("list", query)) as { items: DeadLetter[] };
        ctx.out.out(ctx.options.json === true ? JSON.stringify(items, null, 2) : lettersTable(items));
        return 0;
      }
      if (ids.length === 0) throw new CliError(`missing argument: tesserae dlq ${sub} <id…>`);
      for (const id of ids) {
        const letter = (await call(sub, { id })) as DeadLetter;
        ctx.out.out(`${sub === "replay" ? "replayed" : "dropped"} ${id} (${letter.subject})`);
      }
      return 0;
    } catch (err) {
      if (!(err instanceof TesseraError)) throw err;
      ctx.out.err(`${ctx.out.errColor.red(err.code)}: ${err.message}`);
      if (ctx.verbose && err.details !== undefined) ctx.out.err(JSON.stringify(err.details, null, 2));
      return 1;
    }
  },
};
