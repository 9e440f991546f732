import { existsSync, readdirSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join, relative, resolve } from "node:path";
import { CliError } from "../cli-error.js";
import type { CliCommand } from "../command.js";
import { packageInfo } from "../package-info.js";

/** Files stored under another name, so that packing the template keeps them. */
const renamed: Record<string, string> = { _env: ".env", _gitignore: ".gitignore" };
const packageName = /^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

async function copyTemplate(
  from: string,
  to: string,
  vars: Record<string, string>,
  made: string[],
): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, renamed[entry.name] ?? entry.name);
    if (entry.isDirectory()) {
      await copyTemplate(source, target, vars, made);
      continue;
    }
    const text = await readFile(source, "utf8");
    await writeFile(
      target,
      text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => vars[key] ?? whole),
    );
    made.push(target);
  }
}

export const newCommand: CliCommand = {
  name: "new",
  summary: "Create a project: a tech service with its test, config, .env and README",
  usage: "tessera new <dir> [--name <name>]",
  description:
    "Scaffolds a working project in <dir> (which must not exist or be empty). Then:\n" +
    "  cd <dir> && npm install && npm test && npm run dev",
  examples: ["tessera new my-app", "tessera new services/billing --name @acme/billing"],
  options: [
    {
      name: "name",
      type: "string",
      value: "<name>",
      description: "The package name (default: the folder's name)",
    },
    {
      name: "tessera",
      type: "string",
      value: "<spec>",
      description: "The tessera dependency (default ^<this version>; e.g. file:../tessera-0.1.0.tgz)",
    },
  ],
  async run(ctx) {
    const [dir, ...extra] = ctx.args;
    if (dir === undefined) throw new CliError("where? tessera new <dir>");
    if (extra.length > 0) throw new CliError(`unexpected argument ${extra[0]}`);
    const target = resolve(ctx.cwd, dir);
    if (existsSync(target) && readdirSync(target).length > 0)
      throw new CliError(`${dir} exists and is not empty`);
    const name = typeof ctx.options.name === "string" ? ctx.options.name : basename(target);
    if (!packageName.test(name))
      throw new CliError(`"${name}" is not a valid package name: choose one with --name`);
    const pkg = packageInfo();
    const dev = pkg.devDependencies;
    const vars = {
      name,
      tessera: typeof ctx.options.tessera === "string" ? ctx.options.tessera : `^${pkg.version}`,
      zod: pkg.dependencies.zod ?? "^4.0.0",
      vitest: dev.vitest ?? "^3.2.0",
      typescript: dev.typescript ?? "^5.9.0",
      typesNode: dev["@types/node"] ?? "^20.0.0",
    };
    const made: string[] = [];
    await copyTemplate(join(pkg.root, "templates", "app"), target, vars, made);
    const c = ctx.out.color;
    const where = relative(ctx.cwd, target) || ".";
    ctx.out.out(`${c.green("created")} ${name} in ${where} (${made.length} files)\n`);
    ctx.out.out(
      `  cd ${where}\n  npm install\n  npm test\n  npm run dev      ${c.dim("# http://127.0.0.1:3000, reloads on change")}`,
    );
    return 0;
  },
};
