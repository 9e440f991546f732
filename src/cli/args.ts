import { CliError } from "./cli-error.js";

/** An option of a command: `--name <value>`, `--flag` / `--no-flag`, maybe a one-letter `-x`. */
export interface OptionSpec {
  /** The long name, kebab-case: `dry-run` for `--dry-run`. */
  readonly name: string;
  readonly short?: string;
  readonly type: "string" | "number" | "boolean";
  /** May be given several times; the values are collected in a list. */
  readonly multiple?: boolean;
  /** For help: `<file>` in `--out <file>`. */
  readonly value?: string;
  readonly description: string;
}

export type OptionValues = Record<string, string | number | boolean | string[] | undefined>;

export interface ParsedArgs {
  readonly options: OptionValues;
  readonly positionals: string[];
  /** Unknown `--key [value]` arguments, as given, when the command takes extra options. */
  readonly extras?: string[];
}

function convert(spec: OptionSpec, raw: string, flag: string): string | number | boolean {
  if (spec.type === "string") return raw;
  if (spec.type === "number") {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n))
      throw new CliError(`${flag} expects a number, got "${raw}"`);
    return n;
  }
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new CliError(`${flag} expects true or false, got "${raw}"`);
}

/**
 * Parses `argv` against `specs`: `--name value`, `--name=value`, `-n value`, `--flag`,
 * `--no-flag`, and `--` to end options. Unknown options are refused with the command's help named.
 *
 * Not `node:util` parseArgs: on Node 20 it has no number options and no `--no-flag` before 20.16;
 * its strict mode refuses the extra `--key value` options of project commands, and without it an
 * unknown `--key value` becomes a flag and a positional, `--out --json` sets out to "--json" and
 * `-1` becomes an option; its errors are not ours. Rebuilt on its tokens, every rule here stays.
 *
 * @example
 * parseArgs(["-o", "api.json"], [{ name: "out", short: "o", type: "string", description: "…" }], "openapi")
 */
export function parseArgs(
  argv: readonly string[],
  specs: readonly OptionSpec[],
  command: string,
  settings: { readonly extras?: boolean } = {},
): ParsedArgs {
  const options: OptionValues = {};
  const positionals: string[] = [];
  const extras: string[] = [];
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short!, s]));
  const help = `see tesserae ${command} --help`.replace("tesserae  ", "tesserae ");
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    let inline = eq === -1 ? undefined : arg.slice(eq + 1);
    let spec: OptionSpec | undefined;
    let negated = false;
    if (flag.startsWith("--")) {
      spec = byName.get(flag.slice(2));
      if (spec === undefined && flag.startsWith("--no-")) {
        spec = byName.get(flag.slice(5));
        negated = spec?.type === "boolean";
        if (!negated) spec = undefined;
      }
    } else {
      spec = byShort.get(flag.slice(1));
    }
    if (spec === undefined && settings.extras === true && flag.startsWith("--")) {
      // Kept for the command (e.g. main-mode config keys): `--key value`, `--key=value` or `--flag`.
      extras.push(arg);
      const next = argv[i + 1];
      // A negative number is a value (`--offset -5`), as for the command's own options.
      if (inline === undefined && next !== undefined && (!next.startsWith("-") || /^-\d/.test(next)))
        extras.push(argv[++i]!);
      continue;
    }
    if (spec === undefined) throw new CliError(`unknown option ${flag} (${help})`);
    let value: string | number | boolean;
    if (spec.type === "boolean") {
      if (negated && inline !== undefined) throw new CliError(`${flag} takes no value`);
      value = negated ? false : inline === undefined ? true : convert(spec, inline, flag);
    } else {
      if (inline === undefined) {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith("--") && next !== "--")) {
          throw new CliError(`${flag} needs a value${spec.value ? ` ${spec.value}` : ""}`);
        }
        inline = next;
        i++;
      }
      value = convert(spec, inline, flag);
    }
    if (spec.multiple) {
      const list = (options[spec.name] as string[] | undefined) ?? [];
      list.push(String(value));
      options[spec.name] = list;
    } else {
      options[spec.name] = value;
    }
  }
  return settings.extras === true ? { options, positionals, extras } : { options, positionals };
}
