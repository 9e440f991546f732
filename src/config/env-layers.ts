import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TesseraError } from "../core/errors.js";
import { parseDotenv } from "./dotenv.js";

/** The execution settings of a run, merged from their layers, and which layer gave each key. */
export interface EnvLayers {
  readonly env: Readonly<Record<string, string>>;
  /** `.env`, `.env.<stage>`, `process` or `--set`, per key. */
  readonly sources: Readonly<Record<string, string>>;
  /** The dotenv files that were found and read. */
  readonly files: readonly string[];
}

export interface EnvLayersOptions {
  /** Where `.env` and `.env.<stage>` are (the project's root). */
  readonly dir: string;
  readonly stage: string;
  readonly processEnv?: Readonly<Record<string, string | undefined>>;
  /** `key=value` pairs from `--set`. */
  readonly sets?: readonly string[];
}

/** `["a=1", "b=x=y"]` → `{ a: "1", b: "x=y" }`; a pair without `=` is refused. */
export function parseSets(sets: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of sets) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new TesseraError("TESSERA_CONFIG", `--set ${pair}: expected key=value`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  return out;
}

function readDotenv(path: string, name: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new TesseraError("TESSERA_CONFIG", `cannot read ${name}: ${(err as Error).message}`);
  }
  return parseDotenv(text, name);
}

/**
 * Merges the layers of execution settings, each overriding the one before:
 * `.env` → `.env.<stage>` → the process environment → `--set key=value`.
 *
 * @example
 * const { env } = loadEnvLayers({ dir: root, stage: "prod", sets: ["PORT=8080"] });
 */
export function loadEnvLayers(options: EnvLayersOptions): EnvLayers {
  const env: Record<string, string> = {};
  const sources: Record<string, string> = {};
  const files: string[] = [];
  const apply = (layer: Readonly<Record<string, string | undefined>>, source: string) => {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      env[key] = value;
      sources[key] = source;
    }
  };
  for (const name of [".env", `.env.${options.stage}`]) {
    const path = join(options.dir, name);
    const layer = readDotenv(path, name);
    if (layer === undefined) continue;
    files.push(path);
    apply(layer, name);
  }
  apply(options.processEnv ?? process.env, "process");
  apply(parseSets(options.sets ?? []), "--set");
  return { env, sources, files };
}
