import type { OptionSpec } from "./args.js";
import { type CliCommand, globalOptions } from "./command.js";
import { type Colors, table } from "./output.js";

function optionRows(c: Colors, options: readonly OptionSpec[]): string[][] {
  return options.map((o) => [
    `  ${o.short ? `-${o.short}, ` : ""}--${o.name}${o.value ? ` ${o.value}` : ""}`,
    c.dim(o.description),
  ]);
}

/** `tesserae --help`: the commands (built-in, then the project's), the global options. */
export function globalHelp(
  c: Colors,
  builtins: readonly CliCommand[],
  project: readonly CliCommand[],
  projectNote?: string,
): string {
  const lines = [
    `${c.bold("tesserae")} — run, inspect and scaffold Tesserae projects`,
    "",
    `Usage: tesserae <command> [options]`,
    "",
    "Commands:",
    table(builtins.map((cmd) => [`  ${cmd.name}`, cmd.summary])),
  ];
  if (project.length > 0) {
    lines.push(
      "",
      "Project commands (tesserae.config.ts):",
      table(project.map((cmd) => [`  ${cmd.name}`, cmd.summary])),
    );
  }
  if (projectNote !== undefined) lines.push("", c.yellow(`Project commands unavailable: ${projectNote}`));
  lines.push(
    "",
    "Global options:",
    table(optionRows(c, globalOptions)),
    "",
    "Settings: .env → .env.<stage> → process environment → --set (each overrides the one before).",
    `Run ${c.bold("tesserae <command> --help")} for a command's options and examples.`,
  );
  return lines.join("\n");
}

/** `tesserae <command> --help`. */
export function commandHelp(c: Colors, cmd: CliCommand): string {
  const lines = [`${c.bold(`tesserae ${cmd.name}`)} — ${cmd.summary}`, "", `Usage: ${cmd.usage}`];
  if (cmd.description !== undefined) lines.push("", cmd.description);
  if (cmd.options.length > 0) lines.push("", "Options:", table(optionRows(c, cmd.options)));
  lines.push("", "Global options:", table(optionRows(c, globalOptions)));
  lines.push("", cmd.examples.length === 1 ? "Example:" : "Examples:", ...cmd.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}
