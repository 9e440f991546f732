import { findConfigFile, loadProject } from "../config/load-project.js";
import { TesseraError } from "../core/errors.js";
import { type OptionValues, parseArgs } from "./args.js";
import { builtinCommands, findBuiltin } from "./builtin-commands.js";
import { CliError } from "./cli-error.js";
import { type CliCommand, type CliContext, globalOptions, projectLoader, projectOptions } from "./command.js";
import { projectCommand } from "./commands/project-command.js";
import { commandHelp, globalHelp } from "./help.js";
import { type Output, processOutput } from "./output.js";
import { packageInfo } from "./package-info.js";

/** Splits off the command name: the first argument that is neither an option nor a global option's value. */
function splitCommand(argv: readonly string[]): { name: string | undefined; rest: string[] } {
  const takesValue = new Set(globalOptions.filter((o) => o.type !== "boolean").map((o) => `--${o.name}`));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    if (takesValue.has(arg)) {
      // `--stage --config x`: a missing value, refused by parseArgs; not `x` taken as the command.
      if (argv[i + 1]?.startsWith("--") !== true) i++;
      continue;
    }
    if (!arg.startsWith("-")) return { name: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { name: undefined, rest: [...argv] };
}

/** The global options, read leniently (before the command, and so its options, is known). */
function peekGlobals(argv: readonly string[]): OptionValues {
  const known = new Set(globalOptions.map((o) => `--${o.name}`));
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    const flag = arg.split("=")[0]!;
    if (!known.has(flag)) continue;
    kept.push(arg);
    const spec = globalOptions.find((o) => `--${o.name}` === flag);
    if (spec?.type !== "boolean" && !arg.includes("=") && argv[i + 1] !== undefined) kept.push(argv[++i]!);
  }
  return parseArgs(kept, globalOptions, "").options;
}

/** The project's commands, from its project file (loaded with the global options). */
async function projectCommands(argv: readonly string[], cwd: string): Promise<CliCommand[]> {
  const project = await loadProject(projectOptions(peekGlobals(argv), cwd));
  return Object.entries(project.config.commands ?? {}).map(([name, def]) => {
    if (findBuiltin(name) !== undefined) {
      throw new CliError(`project command "${name}" has the name of a built-in command: rename it`);
    }
    return projectCommand(name, def, project.configFile);
  });
}

function hasProject(argv: readonly string[], cwd: string): boolean {
  try {
    const config = peekGlobals(argv).config;
    findConfigFile(cwd, typeof config === "string" ? config : undefined);
    return true;
  } catch {
    return false;
  }
}

/** Prints an error the way a user should see it; returns the exit code. */
export function reportError(err: unknown, verbose: boolean, out: Output): number {
  const c = out.errColor;
  const prefix = c.red("tesserae:");
  if (err instanceof CliError) {
    out.err(`${prefix} ${err.message}`);
  } else if (err instanceof TesseraError) {
    const userFacing = err.code === "TESSERA_CONFIG" || err.code === "TESSERA_DEFINITION";
    out.err(`${prefix} ${userFacing ? "" : `${err.code}: `}${err.message}`);
  } else {
    const message = err instanceof Error ? err.message : String(err);
    out.err(`${prefix} unexpected error: ${message}${verbose ? "" : c.dim(" (--verbose shows the stack)")}`);
  }
  if (verbose && err instanceof Error) {
    let e: unknown = err;
    while (e instanceof Error) {
      out.err(c.dim(e.stack ?? String(e)));
      e = e.cause;
      if (e !== undefined) out.err(c.dim("caused by:"));
    }
  }
  return 1;
}

/**
 * Runs the CLI on `argv` (without `node` and the script) and resolves to the exit code.
 *
 * @example
 * process.exitCode = await runCli(["routes", "--json"]);
 */
export async function runCli(
  argv: readonly string[],
  out: Output = processOutput(),
  cwd = process.cwd(),
): Promise<number> {
  const verbose = argv.includes("--verbose");
  try {
    const { name, rest } = splitCommand(argv);
    if (name === undefined || name === "help") {
      // Read strictly, so that a global option missing its value (`tesserae --stage`) is an
      // argument error, not a silent help.
      parseArgs(
        rest.filter((a) => a !== "--version"),
        globalOptions,
        "",
      );
      if (argv.includes("--version")) {
        out.out(packageInfo().version);
        return 0;
      }
      const topic = name === "help" ? rest.find((a) => !a.startsWith("-")) : undefined;
      const builtin = topic === undefined ? undefined : findBuiltin(topic);
      if (builtin !== undefined) {
        out.out(commandHelp(out.color, builtin));
        return 0;
      }
      let project: CliCommand[] = [];
      let note: string | undefined;
      if (hasProject(argv, cwd)) {
        try {
          project = await projectCommands(rest, cwd);
        } catch (err) {
          note = err instanceof Error ? err.message.split("\n")[0] : String(err);
        }
      }
      const custom = topic === undefined ? undefined : project.find((cmd) => cmd.name === topic);
      out.out(
        custom === undefined
          ? globalHelp(out.color, builtinCommands, project, note)
          : commandHelp(out.color, custom),
      );
      if (topic !== undefined && custom === undefined) throw new CliError(`unknown command "${topic}"`);
      return 0;
    }
    let command = findBuiltin(name);
    if (command === undefined) {
      if (!hasProject(argv, cwd)) throw new CliError(`unknown command "${name}" (see tesserae --help)`);
      command = (await projectCommands(rest, cwd)).find((cmd) => cmd.name === name);
      if (command === undefined) throw new CliError(`unknown command "${name}" (see tesserae --help)`);
    }
    const parsed = parseArgs(rest, [...globalOptions, ...command.options], command.name, {
      extras: command.acceptsExtraOptions === true,
    });
    if (parsed.options.help === true) {
      out.out(commandHelp(out.color, command));
      return 0;
    }
    if (command.takesArguments !== true && parsed.positionals.length > 0) {
      throw new CliError(
        `${command.name} takes no arguments, got "${parsed.positionals[0]}" (see tesserae ${command.name} --help)`,
      );
    }
    const ctx: CliContext = {
      options: parsed.options,
      args: parsed.positionals,
      extras: parsed.extras ?? [],
      out,
      verbose,
      cwd,
      project: projectLoader(parsed.options, cwd),
    };
    return await command.run(ctx);
  } catch (err) {
    return reportError(err, verbose, out);
  }
}
