import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { TesseraError } from "../core/errors.js";
import type { ServiceDef } from "../core/service.js";
import { loadEnvLayers } from "./env-layers.js";
import type { ProjectConfig } from "./project-config.js";
import { resolveSettings, type SettingFlags, type Settings } from "./settings.js";
import { enableTypeScript } from "./typescript-loader.js";

/** The names a project file may have, in the order they are looked for. */
export const configFileNames = [
  "tesserae.config.ts",
  "tesserae.config.mts",
  "tesserae.config.js",
  "tesserae.config.mjs",
];

export interface ProjectOptions extends SettingFlags {
  /** Where to look for the project file (default `process.cwd()`). */
  readonly cwd?: string;
  /** The project file (`--config`), instead of looking for one. */
  readonly config?: string | undefined;
  /** Default `dev`. */
  readonly stage?: string | undefined;
  /** `key=value` pairs of `--set`. */
  readonly sets?: readonly string[];
  /** The process environment layer (default `process.env`, which also receives the merged settings). */
  readonly processEnv?: Record<string, string | undefined>;
}

/** A loaded project: its file, stage, merged settings and services. */
export interface Project {
  /** The directory of the project file. */
  readonly root: string;
  readonly configFile: string;
  readonly config: ProjectConfig;
  readonly name: string;
  readonly version: string;
  readonly stage: string;
  readonly env: Readonly<Record<string, string>>;
  /** Which layer gave each key of `env`. */
  readonly envSources: Readonly<Record<string, string>>;
  readonly envFiles: readonly string[];
  readonly settings: Settings;
  readonly services: readonly ServiceDef[];
  /** The module each service was loaded from, when the project file names modules. */
  readonly serviceModules: ReadonlyMap<string, string>;
}

const stageName = /^[a-z][a-z0-9-]*$/;

function configError(message: string, cause?: unknown): TesseraError {
  return new TesseraError("TESSERA_CONFIG", message, cause === undefined ? {} : { cause });
}

/** The project file: `--config`, else the first of {@link configFileNames} in `cwd`. */
export function findConfigFile(cwd: string, explicit?: string): string {
  if (explicit !== undefined) {
    const file = resolve(cwd, explicit);
    if (!existsSync(file)) throw configError(`project file ${explicit} not found`);
    return file;
  }
  for (const name of configFileNames) {
    const file = resolve(cwd, name);
    if (existsSync(file)) return file;
  }
  throw configError(
    `no tesserae.config.ts in ${cwd}: run this in a project (tesserae new <dir> creates one) or pass --config`,
  );
}

/** Imports a module of the project, TypeScript included; a failure names the file. */
export async function importProjectModule(file: string, what: string): Promise<Record<string, unknown>> {
  await enableTypeScript();
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw configError(`cannot load ${what}: ${(err as Error)?.message ?? String(err)}`, err);
  }
}

function isService(value: unknown): value is ServiceDef {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "service";
}

/** Imports the project file and checks its shape (it may be JavaScript, so types are not enough). */
export async function readProjectConfig(file: string): Promise<ProjectConfig> {
  const mod = await importProjectModule(file, basename(file));
  const config = mod.default as ProjectConfig | undefined;
  if (typeof config !== "object" || config === null) {
    throw configError(`${basename(file)} must \`export default defineConfig({ ... })\``);
  }
  if (!Array.isArray(config.services)) {
    throw configError(`${basename(file)}: \`services\` must list the services (definitions or module paths)`);
  }
  for (const name of Object.keys(config.stages ?? {})) {
    if (!stageName.test(name))
      throw configError(`${basename(file)}: stage "${name}" must be lower-case letters, digits and "-"`);
  }
  for (const [name, cmd] of Object.entries(config.commands ?? {})) {
    if (typeof cmd?.module !== "string" || typeof cmd.description !== "string") {
      throw configError(`${basename(file)}: command "${name}" needs a \`description\` and a \`module\``);
    }
  }
  return config;
}

function readPackage(root: string): { name?: string; version?: string } {
  try {
    return JSON.parse(readFileSync(resolve(root, "package.json"), "utf8")) as {
      name?: string;
      version?: string;
    };
  } catch {
    return {};
  }
}

/**
 * Loads a project: finds its file, merges the execution settings of the stage
 * (`.env` → `.env.<stage>` → process → `--set`, copied into `process.env` before any project module
 * loads, so that modules reading it at import see them), imports the project file and its services.
 *
 * @example
 * const project = await loadProject({ stage: "prod", sets: ["PORT=8080"] });
 */
export async function loadProject(options: ProjectOptions = {}): Promise<Project> {
  const cwd = options.cwd ?? process.cwd();
  const configFile = findConfigFile(cwd, options.config);
  const root = dirname(configFile);
  const stage = options.stage ?? "dev";
  if (!stageName.test(stage))
    throw configError(`stage "${stage}" must be lower-case letters, digits and "-"`);
  const processEnv = options.processEnv ?? process.env;
  const layers = loadEnvLayers({ dir: root, stage, processEnv, sets: options.sets ?? [] });
  Object.assign(processEnv, layers.env);

  const config = await readProjectConfig(configFile);
  if (config.stages !== undefined && !Object.hasOwn(config.stages, stage)) {
    throw configError(
      `unknown stage "${stage}": ${basename(configFile)} declares ${Object.keys(config.stages).join(", ")}`,
    );
  }
  const settings = resolveSettings(config, stage, layers.env, options, root);

  const services: ServiceDef[] = [];
  const serviceModules = new Map<string, string>();
  for (const item of config.services) {
    if (isService(item)) {
      if (!services.includes(item)) services.push(item);
      continue;
    }
    if (typeof item !== "string")
      throw configError(
        `${basename(configFile)}: \`services\` holds something that is neither a service nor a module path`,
      );
    const file = resolve(root, item);
    const found = Object.values(await importProjectModule(file, item)).filter(isService);
    if (found.length === 0) throw configError(`${item} exports no service`);
    for (const svc of found) {
      if (!services.includes(svc)) services.push(svc);
      serviceModules.set(svc.name, file);
    }
  }
  const pkg = readPackage(root);
  return {
    root,
    configFile,
    config,
    name: config.name ?? pkg.name ?? basename(root),
    version: pkg.version ?? "0.0.0",
    stage,
    env: layers.env,
    envSources: layers.sources,
    envFiles: layers.files,
    settings,
    services,
    serviceModules,
  };
}
