import { readFileSync } from "node:fs";
import { projectServices } from "../../config/project-composition.js";
import { createProjectNode } from "../../config/project-node.js";
import { TesseraError } from "../../core/errors.js";
import { newRequestId } from "../../core/ids.js";
import { silentLogger } from "../../core/logger.js";
import { CliError } from "../cli-error.js";
import { type CliCommand, type CliContext, commandLogger } from "../command.js";
import { callRemote } from "../remote-call.js";

function readInput(arg: string | undefined): unknown {
  if (arg === undefined) return undefined;
  const text = arg === "-" ? readFileSync(0, "utf8") : arg;
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`the input is not JSON: ${text.length > 60 ? `${text.slice(0, 60)}…` : text}`);
  }
}

function printResult(ctx: CliContext, result: unknown): void {
  if (result !== undefined) ctx.out.out(JSON.stringify(result, null, 2));
}

function printError(ctx: CliContext, err: TesseraError): number {
  const c = ctx.out.errColor;
  ctx.out.err(`${c.red(err.code)}: ${err.message}`);
  if (ctx.verbose && err.details !== undefined) ctx.out.err(JSON.stringify(err.details, null, 2));
  return 1;
}

export const callCommand: CliCommand = {
  name: "call",
  summary: "Call an entry in-process (or on a running node with --url)",
  usage: "tesserae call <service.entry> [json | -]",
  description:
    "Runs the project's services in this process and calls the entry with the JSON input (- reads it from stdin).\n" +
    "Prints the result, or CODE: message with a non-zero exit code.\n" +
    "With --url, calls the entry's route on a running node instead.",
  examples: [
    `tesserae call text.upper '{"message":"hello"}'`,
    `tesserae call text.upper '{"message":"hello"}' --url http://127.0.0.1:3000`,
  ],
  options: [
    { name: "url", type: "string", value: "<url>", description: "Call a running node over HTTP" },
    {
      name: "token",
      type: "string",
      value: "<token>",
      description: "Bearer token for --url (also TESSERA_TOKEN)",
    },
  ],
  takesArguments: true,
  async run(ctx) {
    const [target, json, ...extra] = ctx.args;
    if (target === undefined || !/^[a-z][a-z0-9-]*\.[A-Za-z_]\w*$/.test(target)) {
      throw new CliError(
        target === undefined
          ? "which entry? tesserae call <service.entry> [json]"
          : `"${target}" is not service.entry`,
      );
    }
    if (extra.length > 0) throw new CliError(`unexpected argument ${extra[0]} (quote the JSON input)`);
    const input = readInput(json);
    if (typeof ctx.options.url === "string") {
      const token = typeof ctx.options.token === "string" ? ctx.options.token : process.env.TESSERA_TOKEN;
      try {
        printResult(ctx, await callRemote(ctx.options.url, target, input, token));
        return 0;
      } catch (err) {
        if (err instanceof TesseraError) return printError(ctx, err);
        throw err;
      }
    }
    const project = await ctx.project();
    // Every service `start` would run, features included (`call flows.list`, `call accounts.post`);
    // the entry is looked up before the node opens the stage's store.
    const known = projectServices(project, silentLogger).flatMap((s) => Object.values(s.entries));
    if (!known.some((e) => e.id === target)) {
      throw new CliError(`unknown entry ${target} (entries: ${known.map((e) => e.id).join(", ") || "none"})`);
    }
    const node = await createProjectNode(project, commandLogger(ctx.verbose));
    const ref = node.known.flatMap((s) => Object.values(s.entries)).find((e) => e.id === target)!;
    await node.start();
    try {
      const result = await node.invoke(ref, input, {
        requestId: newRequestId(),
        identity: undefined,
        deadline: undefined,
        signal: undefined,
      });
      printResult(ctx, result);
      return 0;
    } catch (err) {
      return printError(ctx, TesseraError.from(err));
    } finally {
      await node.stop();
    }
  },
};
