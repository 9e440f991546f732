import type { ConfigModel } from "../../core/config.js";
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
 * naming the keys they take.
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
  const unknown: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--") || arg === "--")
      throw new TesseraError("TESSERA_CONFIG", `unexpected argument "${arg}"`);
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--")) value = argv[++i]!;
    else value = "true";
    const dot = name.indexOf(".");
    const targets =
      dot === -1
        ? mains.filter((s) => keysOf(s).includes(name)).map((s) => `${s.name}.${name}`)
        : mains.some((s) => s.name === name.slice(0, dot) && keysOf(s).includes(name.slice(dot + 1)))
          ? [name]
          : [];
    if (targets.length === 0) unknown.push(`--${name}`);
    for (const t of targets) out[t] = value;
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
  return out;
}
