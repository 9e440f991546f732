import { dirname } from "node:path";
import { findConfigFile } from "../../config/load-project.js";
import { type CliCommand, listenOptions } from "../command.js";
import { superviseDev } from "../dev/supervisor.js";

/** The options a worker's `tesserae start` gets from `tesserae dev`, with the project file made absolute. */
function workerArgs(options: Record<string, unknown>, configFile: string): string[] {
  const args = ["--config", configFile];
  for (const name of ["stage", "transport", "store", "host"]) {
    if (typeof options[name] === "string") args.push(`--${name}`, options[name] as string);
  }
  if (typeof options.port === "number") args.push("--port", String(options.port));
  for (const pair of (options.set as string[] | undefined) ?? []) args.push("--set", pair);
  if (options.verbose === true) args.push("--verbose");
  return args;
}

export const devCommand: CliCommand = {
  name: "dev",
  summary: "Run every service in one process, reloading on change",
  usage: "tesserae dev [--port <n>] [--host <addr>]",
  description:
    "Serves the project like `tesserae start`, with readable logs, and reloads it when a file of the project\n" +
    "changes. The port stays open across reloads: requests in flight finish on the previous version, new ones\n" +
    "go to the new one. If the new version fails to start, the previous one keeps serving.",
  examples: ["tesserae dev", "tesserae dev --port 8080 --stage test"],
  options: listenOptions,
  async run(ctx) {
    const configFile = findConfigFile(
      ctx.cwd,
      typeof ctx.options.config === "string" ? ctx.options.config : undefined,
    );
    return superviseDev({
      root: dirname(configFile),
      workerArgs: workerArgs(ctx.options, configFile),
      out: ctx.out,
    });
  },
};
