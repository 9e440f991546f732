import { readdirSync, type Stats, statSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { basename, relative, resolve } from "node:path";
import { CliError } from "../cli-error.js";
import type { CliCommand } from "../command.js";
import { frameworkDependency } from "../framework-dependency.js";
import { checkFrameworkSpec } from "../framework-spec.js";
import { packageInfo } from "../package-info.js";
import { copyTemplate, templateDir } from "../template.js";

const packageName = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/**
 * Where the user typed the command. `npm run tesserae -- new <dir>` in a checkout of this framework
 * runs in the checkout's folder, and a relative <dir> is meant from npm's INIT_CWD. Only then: the
 * npm variables are inherited by every child of an npm script (a test run by `npm test` included).
 */
function typedFrom(cwd: string): string {
  const init = process.env.INIT_CWD;
  const viaScript = process.env.npm_lifecycle_event === "tesserae";
  return viaScript && init !== undefined && resolve(cwd) === packageInfo().root ? init : cwd;
}

/** What is at `target` (undefined: nothing), or a one-line error when a file is where a folder should be. */
function existing(target: string, dir: string): Stats | undefined {
  try {
    return statSync(target, { throwIfNoEntry: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOTDIR")
      throw new CliError(`cannot create ${dir}: a file is in the way`);
    throw err;
  }
}

export const newCommand: CliCommand = {
  name: "new",
  summary: "Create a project from a template: services, their tests, config, .env and README",
  usage: "tesserae new <dir> [--template service|flows|event-sourced] [--name <name>]",
  description:
    "Scaffolds a working project in <dir> (which must not exist or be empty). Templates:\n" +
    "  service         one tech service with a config model and a project command (default)\n" +
    "  flows           two tech services and a durable business flow over them: a saga whose\n" +
    "                  charge the engine refunds when the run fails later, started over HTTP and by cron\n" +
    "  event-sourced   an event-sourced aggregate, a projection into a read model, commands over\n" +
    "                  HTTP and the bus\n" +
    "The project depends on tesserae ^<version> when the registry has this version; otherwise\n" +
    "(a source checkout, an unpublished build) this framework is packed into the project as\n" +
    "tesserae-<version>.tgz, which npm installs offline. Then:\n" +
    "  cd <dir> && npm install && npm test && npm run dev",
  examples: [
    "tesserae new my-app",
    "tesserae new shop --template flows",
    "tesserae new services/billing --name @acme/billing --template event-sourced",
  ],
  options: [
    {
      name: "template",
      type: "string",
      value: "<name>",
      description: "service (default), flows or event-sourced",
    },
    {
      name: "name",
      type: "string",
      value: "<name>",
      description: "The package name (default: the folder's name)",
    },
    {
      name: "tesserae",
      type: "string",
      value: "<spec>",
      description: "The tesserae dependency as npm takes it (e.g. ^0.1.0, file:../tesserae-0.1.0.tgz)",
    },
  ],
  takesArguments: true,
  async run(ctx) {
    const [dir, ...extra] = ctx.args;
    if (dir === undefined) throw new CliError("where? tesserae new <dir>");
    if (extra.length > 0) throw new CliError(`unexpected argument ${extra[0]}`);
    const template = templateDir(typeof ctx.options.template === "string" ? ctx.options.template : "service");
    const from = typedFrom(ctx.cwd);
    const target = resolve(from, dir);
    const found = existing(target, dir);
    if (found !== undefined && !found.isDirectory())
      throw new CliError(`${dir} exists and is not a folder: choose a new or empty folder`);
    const existed = found !== undefined;
    if (existed && readdirSync(target).length > 0) throw new CliError(`${dir} exists and is not empty`);
    const name = typeof ctx.options.name === "string" ? ctx.options.name : basename(target);
    if (!packageName.test(name))
      throw new CliError(`"${name}" is not a valid package name: choose one with --name`);
    const explicit = typeof ctx.options.tesserae === "string" ? ctx.options.tesserae : undefined;
    if (explicit !== undefined) checkFrameworkSpec(explicit);
    const pkg = packageInfo();
    const dev = pkg.devDependencies;
    await mkdir(target, { recursive: true }).catch((err: NodeJS.ErrnoException) => {
      // A file where a parent folder should be (ENOTDIR, EEXIST), or no permission.
      throw new CliError(
        `cannot create ${dir}: ${err.code === "ENOTDIR" || err.code === "EEXIST" ? "a file is in the way" : err.message}`,
      );
    });
    try {
      const framework = await frameworkDependency(pkg, target, explicit);
      const made = await copyTemplate(template, target, {
        name,
        tesserae: framework.spec,
        zod: pkg.dependencies.zod ?? "^4.0.0",
        vitest: dev.vitest ?? "^3.2.0",
        typescript: dev.typescript ?? "^5.9.0",
        typesNode: dev["@types/node"] ?? "^20.0.0",
      });
      const c = ctx.out.color;
      const where = relative(from, target) || ".";
      ctx.out.out(`${c.green("created")} ${name} in ${where} (${made.length} files)`);
      ctx.out.out(`  ${c.dim(framework.note)}\n`);
      ctx.out.out(
        `  cd ${where}\n  npm install\n  npm test\n  npm run dev      ${c.dim("# http://127.0.0.1:3000, reloads on change")}`,
      );
      return 0;
    } catch (err) {
      await rm(target, { recursive: true, force: true }).then(() => (existed ? mkdir(target) : undefined));
      throw err;
    }
  },
};
