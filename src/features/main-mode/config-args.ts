import { type ConfigModel, resolveConfig } from "../../core/config.js";
import { TesseraError } from "../../core/errors.js";
import type { ServiceUse } from "../../core/uses.js";

type ServiceLike = {
  readonly name: string;
  readonly options: { readonly config?: ConfigModel; readonly uses?: readonly ServiceUse[] };
};

/**
 * Extra `--key value` command-line arguments for the config of the services (every service, as
 * service_framework's unknown arguments; not only main-mode ones): each becomes the setting
 * `<service>.<key>` (which wins over the key's environment variable) of every service whose
 * config model has `key`; `--service.key value` names the service. `--key=value` works too, and
 * `--flag` alone is `true`. An argument no service takes is refused with `TESSERA_CONFIG`,
 * naming the keys they take, and so is a value its key's schema refuses, naming the argument as
 * given (`--rate: expected a number, got "abc"`).
 *
 * @example
 * // node ticker.js --rate 10000 --symbols 500
 * const env = { ...process.env, ...configArgs([ticker], process.argv.slice(2)) };
 */
export function configArgs(
  services: readonly ServiceLike[],
  argv: readonly string[],
): Record<string, string> {
  const mains = services.filter((s) => s.options.config !== undefined);
  const keysOf = (s: ServiceLike) => Object.keys(s.options.config?.keys ?? {});
  const out: Record<string, string> = {};
  /** The argument each setting came from, as typed (`--rate`), and whether it had no value. */
  const given = new Map<string, { readonly flag: string; readonly bare: boolean }>();
  const unknown: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--") || arg === "--")
      throw new TesseraError("TESSERA_CONFIG", `unexpected argument "${arg}"`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    let value: string;
    let bare = false;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) value = argv[++i]!;
    else [value, bare] = ["true", true];
    const dot = name.indexOf(".");
    const targets =
      dot === -1
        ? mains.filter((s) => keysOf(s).includes(name)).map((s) => `${s.name}.${name}`)
        : mains.some((s) => s.name === name.slice(0, dot) && keysOf(s).includes(name.slice(dot + 1)))
          ? [name]
          : [];
    if (targets.length === 0) unknown.push(`--${name}`);
    for (const t of targets) {
      out[t] = value;
      given.set(t, { flag: `--${name}`, bare });
    }
  }
  if (unknown.length > 0) {
    const known = mains.flatMap((s) => keysOf(s).map((k) => `--${k} (${s.name})`));
    throw new TesseraError(
      "TESSERA_CONFIG",
      `unknown option${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}: ${
        known.length === 0 ? "no service has a config model" : `the services take ${known.join(", ")}`
      }`,
    );
  }
  checkValues(mains, out, given);
  return out;
}

/**
 * Checks each value given by its key's schema, as the node will at start, so that a refusal names
 * the argument the user typed rather than a setting or variable: one line per argument (per
 * service when they refuse it differently).
 */
function checkValues(
  services: readonly ServiceLike[],
  out: Readonly<Record<string, string>>,
  given: ReadonlyMap<string, { readonly flag: string; readonly bare: boolean }>,
): void {
  // An empty value is unset (the variable or the default applies), as everywhere in config.
  const set = Object.fromEntries(Object.entries(out).filter(([, v]) => v !== ""));
  const byFlag = new Map<string, { service: string; message: string }[]>();
  for (const issue of resolveConfig(services, set).issues) {
    const from = given.get(issue.path);
    if (from === undefined || !Object.hasOwn(set, issue.path)) continue;
    const list = byFlag.get(from.flag) ?? [];
    const message = from.bare
      ? `no value given (${issue.message.replace(/, got "true"$/, "")})`
      : issue.message;
    list.push({ service: issue.path.slice(0, issue.path.indexOf(".")), message });
    byFlag.set(from.flag, list);
  }
  if (byFlag.size === 0) return;
  const problems = [...byFlag].flatMap(([flag, list]) => {
    const targets = [...given.values()].filter((g) => g.flag === flag).length;
    return list.length === targets && new Set(list.map((l) => l.message)).size === 1
      ? [`${flag}: ${list[0]!.message}`]
      : list.map((l) => `${flag} (${l.service}): ${l.message}`);
  });
  const message =
    problems.length === 1
      ? problems[0]!
      : `invalid arguments, ${problems.length} problems:\n  ${problems.join("\n  ")}`;
  throw new TesseraError("TESSERA_CONFIG", message, { details: { problems } });
}
