import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, sep } from "node:path";
import { findConfigFile } from "../../config/load-project.js";
import { CliError } from "../cli-error.js";
import type { CliCommand } from "../command.js";
import { registerService, usesIdentifier } from "../register-service.js";
import { serviceNames, serviceSource, serviceTestSource } from "../service-scaffold.js";

/** The project file that `--config` names, or the one in `cwd`; a one-line error outside a project. */
function projectFile(cwd: string, config: string | undefined): string {
  try {
    return findConfigFile(cwd, config);
  } catch {
    if (config !== undefined) throw new CliError(`project file ${config} not found`);
    throw new CliError(
      `not in a tesserae project: no tesserae.config.ts in ${cwd} (run this in the project's folder, or pass --config <file>)`,
    );
  }
}

/** A path as the user reads it: relative to where they are, with forward slashes. */
const shown = (from: string, file: string) => relative(from, file).split(sep).join("/");

export const addCommand: CliCommand = {
  name: "add",
  summary: "Add a service to the project: its file, its test, and its entry in tesserae.config.ts",
  usage: "tesserae add service <name>",
  description:
    "Writes src/<name>.ts (a tech service with one entry, POST /<name>/echo) and test/<name>.test.ts\n" +
    "(its test), next to the project file, and registers the service in the project file: the import,\n" +
    "and the service appended to `services: [...]`. <name> is kebab-case (order-book) or camelCase\n" +
    "(orderBook): the service and its files are order-book, its variable orderBook. Then:\n" +
    "  npm test && npm run dev",
  examples: [
    "tesserae add service orders",
    "tesserae add service order-book",
    "tesserae add service billing --config apps/shop/tesserae.config.ts",
  ],
  options: [],
  takesArguments: true,
  async run(ctx) {
    const [kind, name, ...extra] = ctx.args;
    if (kind === undefined) throw new CliError("add what? tesserae add service <name>");
    if (kind !== "service") throw new CliError(`cannot add "${kind}": tesserae add service <name>`);
    if (name === undefined) throw new CliError("which name? tesserae add service <name>");
    if (extra.length > 0) throw new CliError(`unexpected argument ${extra[0]}`);
    const config = projectFile(
      ctx.cwd,
      typeof ctx.options.config === "string" ? ctx.options.config : undefined,
    );
    const names = serviceNames(name);
    const root = dirname(config);
    const source = join(root, "src", `${names.kebab}.ts`);
    const test = join(root, "test", `${names.kebab}.test.ts`);
    for (const file of [source, test]) {
      if (existsSync(file)) throw new CliError(`${shown(ctx.cwd, file)} already exists: choose another name`);
    }
    const text = await readFile(config, "utf8");
    const projectName = basename(config);
    if (usesIdentifier(text, names.camel)) {
      throw new CliError(`${projectName} already declares ${names.camel}: choose another name`);
    }
    const registered = registerService(text, {
      identifier: names.camel,
      importFrom: `./src/${names.kebab}.js`,
      modulePath: `./src/${names.kebab}.ts`,
    });
    await mkdir(dirname(source), { recursive: true });
    await mkdir(dirname(test), { recursive: true });
    await writeFile(source, serviceSource(names));
    await writeFile(test, serviceTestSource(names));
    const made = `${shown(ctx.cwd, source)} and ${shown(ctx.cwd, test)}`;
    if (registered === undefined) {
      // The files are worth keeping: say exactly what the project file needs.
      throw new CliError(
        `wrote ${made}, but found no \`services: [\` in ${projectName}: add by hand \`import { ${names.camel} } from "./src/${names.kebab}.js";\` and ${names.camel} to its services`,
      );
    }
    await writeFile(config, registered);
    const c = ctx.out.color;
    ctx.out.out(`${c.green("created")} ${made}`);
    ctx.out.out(
      `${c.green("registered")} ${names.camel} in ${shown(ctx.cwd, config)}: POST /${names.kebab}/echo`,
    );
    ctx.out.out(
      `\n  npm test\n  npm run dev      ${c.dim(`# then POST /${names.kebab}/echo {"message":"hi"}`)}`,
    );
    return 0;
  },
};
