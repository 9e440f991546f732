import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { type ConfigModel, resolveConfig } from "../core/config.js";
import { TesseraError } from "../core/errors.js";

type ServiceLike = { readonly name: string; readonly options: { readonly config?: ConfigModel } };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reads a JSON config file (service_framework's `-c config.json`) into settings `<service>.<key>`
 * for the services' config models. A top-level key that names a service and holds an object is
 * that service's section (`{"ticker": {"rate": 10}}`); any other key goes to every service whose
 * model has it (`{"rate": 10}`). Each value is checked by its key's schema here, so that every
 * problem names the file and the field: a key no model takes, a value its schema refuses, a
 * file that is missing or not a JSON object (`TESSERA_CONFIG`, every problem at once).
 *
 * @example
 * // config.json: {"rate": 1000, "trader": {"maxPosition": "250000.50"}}
 * const settings = readServiceConfigFile("config.json", project.services);
 * // { "ticker.rate": "1000", "trader.maxPosition": "250000.50" }
 */
export function readServiceConfigFile(
  file: string,
  services: readonly ServiceLike[],
): Record<string, string> {
  const name = basename(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : (cause as Error).message;
    throw new TesseraError("TESSERA_CONFIG", `config file ${file}: ${why}`, { cause });
  }
  if (!isPlainObject(parsed))
    throw new TesseraError("TESSERA_CONFIG", `config file ${file}: expected a JSON object of config keys`);
  const modelled = services.filter((s) => s.options.config !== undefined);
  const keysOf = (s: ServiceLike) => Object.keys(s.options.config?.keys ?? {});
  const out: Record<string, string> = {};
  const problems: string[] = [];
  const put = (path: string, value: unknown) => {
    out[path] = typeof value === "string" ? value : JSON.stringify(value);
  };
  for (const [key, value] of Object.entries(parsed)) {
    const section = modelled.find((s) => s.name === key);
    if (section !== undefined && isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (keysOf(section).includes(k)) put(`${key}.${k}`, v);
        else problems.push(`${key}.${k}: not a key of ${key}'s config model (${keysOf(section).join(", ")})`);
      }
      continue;
    }
    const targets = modelled.filter((s) => keysOf(s).includes(key));
    if (targets.length === 0) {
      const known = modelled.flatMap((s) => keysOf(s).map((k) => `${k} (${s.name})`));
      problems.push(
        `${key}: no service's config model has this key (${known.length === 0 ? "no service has a config model" : known.join(", ")})`,
      );
    }
    for (const s of targets) put(`${s.name}.${key}`, value);
  }
  // Every value given is checked by its schema now; what the file does not give is checked at start.
  for (const issue of resolveConfig(modelled, out).issues) {
    if (Object.hasOwn(out, issue.path)) problems.push(`${issue.path}: ${issue.message}`);
  }
  if (problems.length > 0) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    throw new TesseraError("TESSERA_CONFIG", `config file ${name}: ${count}:\n  ${problems.join("\n  ")}`, {
      details: { file, problems },
    });
  }
  return out;
}
