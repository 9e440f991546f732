import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { TesseraError } from "../core/errors.js";
import type { ServiceDef } from "../core/service.js";
import { type EntryPlan, entrySource, planEntry } from "./lambda-entry.js";
import { verifyLoads } from "./verify-load.js";
import { zip } from "./zip.js";
import { zodNamespacePlugin } from "./zod-namespace-plugin.js";

/** What a build needs to know of a project (a loaded `Project` fits). */
export interface LambdaBuildProject {
  /** The project's directory. */
  readonly root: string;
  /** The project file, imported by every function. */
  readonly configFile: string;
  readonly services: readonly ServiceDef[];
  /** The modules the project file names in `services` (service name → file). */
  readonly serviceModules?: ReadonlyMap<string, string>;
  /** The project file's default export, when loaded: lets the functions import the service modules alone. */
  readonly config?: unknown;
}

export interface LambdaBuildOptions {
  /** Where the functions go (default `<root>/.tesserae/lambda`). */
  readonly outDir?: string;
  /** Only these services (default: all). */
  readonly services?: readonly string[];
  /** Default true. */
  readonly minify?: boolean;
  /** Writes `index.mjs.map` and puts it in the zip (default false: a smaller, faster package). */
  readonly sourcemap?: boolean;
  /** Packages left out of the bundle besides `@aws-sdk/*` (which the Lambda runtime has), e.g. native modules. */
  readonly external?: readonly string[];
  /** The module the entries import (default: `lambda-runtime` beside this file). */
  readonly runtime?: string;
  /** Import each function in a fresh node process to check that it loads (default true). */
  readonly verify?: boolean;
}

/** One built function. */
export interface LambdaArtifact {
  readonly service: string;
  /** `<outDir>/<service>` */
  readonly dir: string;
  /** `<dir>/index.mjs`, exporting `handler`. */
  readonly bundle: string;
  /** `<dir>/<service>.zip`: the deployment package. */
  readonly zip: string;
  readonly bytes: number;
  readonly zipBytes: number;
  /** Base64 SHA-256 of the zip (Terraform's `source_code_hash`). */
  readonly sha256: string;
  /** Packages the bundle imports but does not contain (they must be in the runtime or a layer). */
  readonly externals: readonly string[];
  /** What esbuild warned about (e.g. a `require` it could not follow). */
  readonly warnings: readonly string[];
  /** `modules`: built from the service modules alone; `config`: from the whole project file. */
  readonly entry: EntryPlan["kind"];
}

interface Message {
  readonly id?: string;
  readonly text: string;
  readonly location?: { readonly file: string; readonly line: number } | null;
}
const describeMessage = (m: Message) =>
  m.location ? `${m.location.file}:${m.location.line}: ${m.text}` : m.text;

// An import esbuild cannot find becomes `undefined` in the bundle: a function that fails at its
// cold start. Refused at build time instead.
const fatalWarnings = new Set(["import-is-undefined"]);

/** Packages never bundled: the AWS SDK v3 is part of the Lambda Node.js runtime; pg-native is optional in pg. */
const alwaysExternal = ["@aws-sdk/*", "pg-native"];

// ESM output of CommonJS dependencies that call require() needs a real require.
const banner =
  'import { createRequire as __tesseraRequire } from "node:module"; const require = __tesseraRequire(import.meta.url);';

/** The runtime module next to this file (`.ts` when run from sources, `.js` once compiled). */
function defaultRuntime(): string {
  const js = fileURLToPath(new URL("./lambda-runtime.js", import.meta.url));
  return existsSync(js) ? js : js.replace(/\.js$/, ".ts");
}

type Esbuild = typeof import("esbuild");

async function loadEsbuild(): Promise<Esbuild> {
  try {
    return await import("esbuild");
  } catch (err) {
    throw new TesseraError(
      "TESSERA_CONFIG",
      "esbuild is needed to build Lambda functions: npm install esbuild",
      {
        cause: err,
      },
    );
  }
}

/**
 * Builds one function per service: an esbuild bundle (`index.mjs` exporting `handler`, ESM, Node 20,
 * minified, tree-shaken: only what the project's modules import) and its zip, beside it.
 *
 * @example
 * const artifacts = await buildLambdas(project);
 * for (const a of artifacts) console.log(a.service, a.zipBytes);
 */
export async function buildLambdas(
  project: LambdaBuildProject,
  options: LambdaBuildOptions = {},
): Promise<LambdaArtifact[]> {
  const known = project.services.map((s) => s.name);
  const wanted = options.services ?? known;
  const unknown = wanted.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new TesseraError(
      "TESSERA_CONFIG",
      `unknown service ${unknown.join(", ")} (the project has ${known.join(", ") || "none"})`,
    );
  const esbuild = await loadEsbuild();
  const outDir = resolve(options.outDir ?? join(project.root, ".tesserae", "lambda"));
  const runtime = options.runtime ?? defaultRuntime();
  const external = [...alwaysExternal, ...(options.external ?? [])];
  const plan = await planEntry(project, esbuild);
  const names = project.services.map((s) => s.name);

  return Promise.all(
    wanted.map(async (service): Promise<LambdaArtifact> => {
      const dir = join(outDir, service);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const bundle = join(dir, "index.mjs");
      let result: Awaited<ReturnType<Esbuild["build"]>>;
      try {
        result = await esbuild.build({
          stdin: {
            contents: entrySource(plan, names, service, runtime),
            resolveDir: dirname(project.configFile),
            sourcefile: `${service}-entry.mjs`,
            loader: "js",
          },
          bundle: true,
          platform: "node",
          format: "esm",
          target: "node20",
          outfile: bundle,
          minify: options.minify ?? true,
          sourcemap: options.sourcemap === true,
          legalComments: "none",
          banner: { js: banner },
          external,
          plugins: [zodNamespacePlugin()],
          metafile: true,
          logLevel: "silent",
        });
      } catch (err) {
        const errors = (err as { errors?: Message[] }).errors;
        const detail = errors?.map(describeMessage).join("\n  ") ?? String(err);
        throw new TesseraError("TESSERA_CONFIG", `bundling the function of ${service} failed:\n  ${detail}`, {
          cause: err,
        });
      }
      const fatal = result.warnings.filter((w) => fatalWarnings.has(w.id));
      if (fatal.length > 0)
        throw new TesseraError(
          "TESSERA_CONFIG",
          `bundling the function of ${service} failed:\n  ${fatal.map(describeMessage).join("\n  ")}`,
        );
      if (options.verify !== false) await verifyLoads(bundle, service);
      const code = await readFile(bundle);
      const files = [{ name: "index.mjs", data: code }];
      if (options.sourcemap === true)
        files.push({ name: "index.mjs.map", data: await readFile(`${bundle}.map`) });
      const archive = zip(files);
      const zipFile = join(dir, `${service}.zip`);
      await writeFile(zipFile, archive);
      const externals = new Set<string>();
      for (const input of Object.values(result.metafile?.inputs ?? {}))
        for (const imp of input.imports)
          if (imp.external && !isBuiltin(imp.path) && !imp.path.startsWith("<")) externals.add(imp.path);
      return {
        service,
        dir,
        bundle,
        zip: zipFile,
        bytes: code.byteLength,
        zipBytes: archive.byteLength,
        sha256: createHash("sha256").update(archive).digest("base64"),
        externals: [...externals].sort(),
        warnings: result.warnings.map(describeMessage),
        entry: plan.kind,
      };
    }),
  );
}
