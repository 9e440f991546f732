import { readdirSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CliError } from "./cli-error.js";
import { packageInfo } from "./package-info.js";

/** Files stored under another name, so that packing the template keeps them. */
const renamed: Record<string, string> = { _env: ".env", _gitignore: ".gitignore" };

/** The folder of the templates shipped with the package (`templates/<name>/`). */
export function templatesRoot(): string {
  return join(packageInfo().root, "templates");
}

/** The project templates `tesserae new --template` offers (the folders of `templates/`). */
export function templateNames(): string[] {
  return readdirSync(templatesRoot(), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("_"))
    .map((entry) => entry.name)
    .sort();
}

/** Replaces each `{{key}}` with its value; an unknown key stays as it is. */
export function fillIn(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => vars[key] ?? whole);
}

/**
 * Copies the template folder `from` into `to` with its `{{key}}` placeholders filled in, and
 * resolves to the files written.
 */
export async function copyTemplate(
  from: string,
  to: string,
  vars: Readonly<Record<string, string>>,
): Promise<string[]> {
  const made: string[] = [];
  const copy = async (source: string, target: string): Promise<void> => {
    await mkdir(target, { recursive: true });
    for (const entry of readdirSync(source, { withFileTypes: true })) {
      const file = join(target, renamed[entry.name] ?? entry.name);
      if (entry.isDirectory()) {
        await copy(join(source, entry.name), file);
        continue;
      }
      await writeFile(file, fillIn(await readFile(join(source, entry.name), "utf8"), vars));
      made.push(file);
    }
  };
  await copy(from, to);
  return made;
}

/** The template `name`, or a one-line error listing those that exist. */
export function templateDir(name: string): string {
  const names = templateNames();
  if (!names.includes(name))
    throw new CliError(`unknown template "${name}": choose one of ${names.join(", ")}`);
  return join(templatesRoot(), name);
}
