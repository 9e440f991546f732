import { isBuiltin } from "node:module";
import { pathToFileURL } from "node:url";
import type { Plugin } from "esbuild";
import type { ServiceDef } from "../core/service.js";

/** What the entry of a function is built from. */
export interface EntryProject {
  /** The project file. */
  readonly configFile: string;
  readonly services: readonly ServiceDef[];
  /** The modules the project file names in `services` (service name → file). */
  readonly serviceModules?: ReadonlyMap<string, string>;
  /** The project file's default export, when loaded. */
  readonly config?: unknown;
}

/**
 * How a function gets the project's services: from the modules that define them, with the
 * project file's gateway settings copied in as data (the project file may import a flow engine,
 * a database driver, an event store… that a function never uses); or, when a service's module
 * cannot be told or the settings hold code (an `authorize` function), from the project file itself.
 */
export type EntryPlan =
  | { readonly kind: "modules"; readonly modules: readonly string[]; readonly settings: unknown }
  | { readonly kind: "config"; readonly configFile: string; readonly modules: readonly string[] };

type Esbuild = typeof import("esbuild");

function isService(value: unknown): value is ServiceDef {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "service";
}

/** True for plain JSON data (no function, class instance, symbol or undefined leaf). */
function isData(value: unknown): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isData);
  if (typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  return Object.values(value).every((v) => v === undefined || isData(v));
}

/** What a function reads of the project file: the gateway settings, per stage too, and the OpenAPI info. */
function runtimeSettings(config: unknown): unknown {
  const c = config as {
    name?: unknown;
    gateway?: unknown;
    stages?: Record<string, { gateway?: unknown } | undefined>;
    openapi?: unknown;
  };
  const stages: Record<string, { gateway?: unknown }> = {};
  for (const [name, stage] of Object.entries(c.stages ?? {}))
    stages[name] = stage?.gateway === undefined ? {} : { gateway: stage.gateway };
  return JSON.parse(
    JSON.stringify({ name: c.name, gateway: c.gateway, stages, openapi: c.openapi, services: [] }),
  );
}

/** The files the project file imports directly, resolved as esbuild resolves them (nothing else is read). */
async function directImports(esbuild: Esbuild, configFile: string): Promise<string[]> {
  const found: string[] = [];
  const plugin: Plugin = {
    name: "tesserae-direct-imports",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === "resolving" || args.importer !== configFile) return undefined;
        const r = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: "resolving",
        });
        if (r.errors.length === 0 && !r.external && r.path !== "") found.push(r.path);
        return { path: args.path, external: true };
      });
    },
  };
  await esbuild.build({
    entryPoints: [configFile],
    bundle: true,
    write: false,
    platform: "node",
    format: "esm",
    logLevel: "silent",
    plugins: [plugin],
  });
  return found;
}

/**
 * Decides how the entries import the services (see {@link EntryPlan}). The candidates are the
 * modules the project file imports directly (outside node_modules); each is imported — they were
 * already, when the project was loaded — and a service is found where its very definition is
 * exported.
 */
export async function planEntry(project: EntryProject, esbuild: Esbuild): Promise<EntryPlan> {
  const named = [...new Set(project.serviceModules?.values() ?? [])];
  const fallback: EntryPlan = { kind: "config", configFile: project.configFile, modules: named };
  if (project.config === undefined) return fallback;
  const settings = runtimeSettings(project.config);
  if (!isData((project.config as { gateway?: unknown }).gateway ?? null) || !isData(settings))
    return fallback;
  const stages = (project.config as { stages?: Record<string, { gateway?: unknown } | undefined> }).stages;
  if (!Object.values(stages ?? {}).every((s) => isData(s?.gateway ?? null))) return fallback;

  const modules = new Set<string>();
  const missing = new Set(project.services);
  for (const svc of project.services) {
    const file = project.serviceModules?.get(svc.name);
    if (file !== undefined) {
      modules.add(file);
      missing.delete(svc);
    }
  }
  if (missing.size > 0) {
    let candidates: string[];
    try {
      candidates = await directImports(esbuild, project.configFile);
    } catch {
      return fallback;
    }
    for (const file of candidates) {
      if (missing.size === 0) break;
      if (file.includes("/node_modules/") || isBuiltin(file)) continue;
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      } catch {
        continue;
      }
      for (const value of Object.values(mod)) {
        if (isService(value) && missing.has(value)) {
          missing.delete(value);
          modules.add(file);
        }
      }
    }
  }
  if (missing.size > 0) return fallback;
  return { kind: "modules", modules: [...modules], settings };
}

/**
 * The source of one function's entry.
 *
 * @example
 * entrySource({ kind: "modules", modules: ["/p/services.ts"], settings: {} }, ["text"], "text", "/t/lambda-runtime.js")
 */
export function entrySource(
  plan: EntryPlan,
  services: readonly string[],
  service: string,
  runtime: string,
): string {
  const lines = [
    `// The Lambda function of service "${service}", generated by tesserae build --target lambda.`,
  ];
  if (plan.kind === "config") lines.push(`import config from ${JSON.stringify(plan.configFile)};`);
  else lines.push(`const config = ${JSON.stringify(plan.settings)};`);
  lines.push(
    ...plan.modules.map((file, i) => `import * as m${i} from ${JSON.stringify(file)};`),
    `import { projectLambda } from ${JSON.stringify(runtime)};`,
    `export const handler = projectLambda({ config, modules: [${plan.modules.map((_, i) => `m${i}`).join(", ")}], services: ${JSON.stringify(services)}, service: ${JSON.stringify(service)} });`,
  );
  return `${lines.join("\n")}\n`;
}
