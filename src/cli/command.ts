import { loadProject, type Project, type ProjectOptions } from "../config/load-project.js";
import { createLogger, type Logger } from "../core/logger.js";
import type { OptionSpec, OptionValues } from "./args.js";
import type { Output } from "./output.js";

/** What a command gets: its parsed options (global ones included), its arguments, where to write. */
export interface CliContext {
  readonly options: OptionValues;
  readonly args: readonly string[];
  /** Unknown `--key [value]` arguments, for a command that takes them (`acceptsExtraOptions`). */
  readonly extras: readonly string[];
  readonly out: Output;
  readonly verbose: boolean;
  readonly cwd: string;
  /** The project, loaded on first call with the global options (`--stage`, `--config`, `--set`…). */
  project(): Promise<Project>;
}

/**
 * A command of the CLI. Each lives in its own file under `commands/` and is listed in the
 * registry; project commands are built from the project file the same way.
 */
export interface CliCommand {
  readonly name: string;
  /** One line for `tesserae --help`. */
  readonly summary: string;
  /** e.g. `tesserae call <service.entry> [json]` */
  readonly usage: string;
  /** Longer help, shown by `tesserae <name> --help`. */
  readonly description?: string;
  readonly examples: readonly string[];
  /** The command's own options (the global ones are always accepted). */
  readonly options: readonly OptionSpec[];
  /** Unknown `--key value` options are handed to the command (`ctx.extras`) instead of being refused. */
  readonly acceptsExtraOptions?: boolean;
  /** Takes positional arguments (`ctx.args`); a command without refuses any, e.g. `routes --json extra`. */
  readonly takesArguments?: boolean;
  /** Runs; resolves to the exit code. */
  run(ctx: CliContext): Promise<number>;
}

/** Options every command accepts. */
export const globalOptions: readonly OptionSpec[] = [
  {
    name: "stage",
    type: "string",
    value: "<name>",
    description: "The stage (default dev): picks .env.<stage> and the stage's settings",
  },
  {
    name: "config",
    type: "string",
    value: "<file>",
    description: "The project file (default ./tesserae.config.ts)",
  },
  {
    name: "set",
    type: "string",
    multiple: true,
    value: "<key=value>",
    description: "An execution setting over every other layer (repeatable)",
  },
  {
    name: "transport",
    type: "string",
    value: "<url>",
    description: "memory (default) or nats://host:port (also TESSERA_TRANSPORT)",
  },
  {
    name: "store",
    type: "string",
    value: "<url>",
    description: "sqlite:<path> (default sqlite:.tesserae/<stage>.db) or postgres://… (also TESSERA_STORE)",
  },
  {
    name: "codec",
    type: "string",
    value: "<name>",
    description:
      "json (default) or rich-json: dates, big integers, decimals survive the wire (also TESSERA_CODEC)",
  },
  {
    name: "config-file",
    short: "c",
    type: "string",
    value: "<file>",
    description: "The services' config values, a JSON file (also TESSERA_CONFIG_FILE)",
  },
  { name: "verbose", type: "boolean", description: "Debug logs, and the stack of an error" },
  { name: "help", short: "h", type: "boolean", description: "This help" },
];

/** Options of the commands that serve HTTP. */
export const listenOptions: readonly OptionSpec[] = [
  {
    name: "port",
    type: "number",
    value: "<n>",
    description: "Gateway port (default 3000; also PORT; 0 picks a free one)",
  },
  {
    name: "host",
    type: "string",
    value: "<addr>",
    description: "Gateway address (default 127.0.0.1; also TESSERA_HOST)",
  },
];

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The project options that the parsed global options (and `--port` / `--host`) give. */
export function projectOptions(options: OptionValues, cwd: string): ProjectOptions {
  return {
    cwd,
    config: str(options.config),
    stage: str(options.stage),
    sets: (options.set as string[] | undefined) ?? [],
    transport: str(options.transport),
    store: str(options.store),
    port: typeof options.port === "number" ? options.port : undefined,
    host: str(options.host),
    codec: str(options.codec),
    configFile: str(options["config-file"]),
  };
}

/** Loads the project once per context. */
export function projectLoader(options: OptionValues, cwd: string): () => Promise<Project> {
  let loading: Promise<Project> | undefined;
  return () => {
    loading ??= loadProject(projectOptions(options, cwd));
    return loading;
  };
}

/** The logger of commands that run services briefly (call, project commands): quiet unless `--verbose`. */
export function commandLogger(verbose: boolean): Logger {
  return createLogger({ level: verbose ? "debug" : "warn", format: "pretty" });
}
