import { relative } from "node:path";
import { buildLambdas } from "../../deploy/lambda-build.js";
import { CliError } from "../cli-error.js";
import type { CliCommand } from "../command.js";
import { table } from "../output.js";

/** `181.6 kB` */
export function formatSize(bytes: number): string {
  return bytes < 1000 ? `${bytes} B` : `${(bytes / 1000).toFixed(1)} kB`;
}

export const buildCommand: CliCommand = {
  name: "build",
  summary: "Build the project for a target: lambda (one function bundle and zip per service)",
  usage: "tesserae build --target lambda [--service <name>]… [--out <dir>]",
  description:
    "--target lambda bundles each service with esbuild into .tesserae/lambda/<service>/index.mjs (ESM, Node 20,\n" +
    "exporting handler) with only what the project's modules import, zips it beside it and prints the sizes.\n" +
    "A function hosts every service of the project (typed calls stay in-process); its stage is TESSERA_STAGE.",
  examples: ["tesserae build --target lambda", "tesserae build --target lambda --service text --sourcemap"],
  options: [
    { name: "target", type: "string", value: "<target>", description: "What to build: lambda" },
    {
      name: "service",
      type: "string",
      multiple: true,
      value: "<name>",
      description: "Only this service (repeatable; default all)",
    },
    {
      name: "out",
      short: "o",
      type: "string",
      value: "<dir>",
      description: "Output folder (default .tesserae/lambda)",
    },
    { name: "sourcemap", type: "boolean", description: "Add index.mjs.map (to the zip too)" },
    { name: "json", type: "boolean", description: "Print the functions built as JSON" },
  ],
  async run(ctx) {
    const target = ctx.options.target;
    if (target === undefined) throw new CliError("--target is required: tesserae build --target lambda");
    if (target !== "lambda")
      throw new CliError(`unknown target "${String(target)}": the only target is lambda`);
    const project = await ctx.project();
    const services = ctx.options.service as string[] | undefined;
    const out = ctx.options.out;
    const artifacts = await buildLambdas(project, {
      ...(services === undefined ? {} : { services }),
      ...(typeof out === "string" ? { outDir: out } : {}),
      sourcemap: ctx.options.sourcemap === true,
    });
    if (ctx.options.json === true) {
      ctx.out.out(JSON.stringify(artifacts, null, 2));
      return 0;
    }
    const c = ctx.out.color;
    ctx.out.out(
      table([
        ["SERVICE", "BUNDLE", "SIZE", "ZIP"].map((h) => c.dim(h)),
        ...artifacts.map((a) => [
          c.cyan(a.service),
          relative(ctx.cwd, a.bundle) || a.bundle,
          formatSize(a.bytes),
          formatSize(a.zipBytes),
        ]),
      ]),
    );
    for (const a of artifacts)
      for (const warning of a.warnings) ctx.out.err(c.yellow(`${a.service}: esbuild warns: ${warning}`));
    const externals = [...new Set(artifacts.flatMap((a) => a.externals))];
    if (externals.length > 0)
      ctx.out.err(
        c.yellow(`not bundled (the runtime or a layer must provide them): ${externals.join(", ")}`),
      );
    return 0;
  },
};
