import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { CliError } from "./cli-error.js";
import type { PackageInfo } from "./package-info.js";

const run = promisify(execFile);

/** How a new project depends on the framework, and the one line that tells the user why. */
export interface FrameworkDependency {
  /** The value of `dependencies.tesserae` in the new project's package.json. */
  readonly spec: string;
  readonly note: string;
}

/** Whether the registry serves `tesserae@version`: true, false, or undefined when it cannot be asked. */
export type RegistryLookup = (version: string) => Promise<boolean | undefined>;

/** Asks the registry through npm, the client the user installs with (its registry, proxy and auth). */
export const npmRegistryLookup: RegistryLookup = async (version) => {
  try {
    const { stdout } = await run("npm", ["view", `tesserae@${version}`, "version", "--json"], {
      timeout: 15_000,
    });
    return stdout.trim() !== "";
  } catch (err) {
    const text =
      String((err as { stdout?: string }).stdout ?? "") + String((err as { stderr?: string }).stderr);
    return text.includes("E404") ? false : undefined;
  }
};

/** A source checkout has the TypeScript sources and the build's config; a packed package has neither. */
export function isSourceCheckout(pkg: PackageInfo): boolean {
  return (
    existsSync(join(pkg.root, "src", "cli", "main.ts")) && existsSync(join(pkg.root, "tsconfig.build.json"))
  );
}

/**
 * Packs the framework into `dir` and resolves to the tarball's file name. A source checkout is
 * built first (npm runs its `prepack` script); an installed package is packed as it is.
 */
async function packInto(pkg: PackageInfo, dir: string, source: boolean): Promise<string> {
  const args = ["pack", "--json", "--pack-destination", dir, ...(source ? [] : ["--ignore-scripts"])];
  try {
    const { stdout } = await run("npm", args, { cwd: pkg.root, maxBuffer: 16 * 1024 * 1024 });
    // Scripts run by `npm pack` (the build) print before the JSON.
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf("["))) as { filename: string }[];
    if (packed === undefined) throw new Error("npm pack printed no file");
    return packed.filename;
  } catch (err) {
    const detail = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim();
    throw new CliError(`cannot pack tesserae from ${pkg.root}: ${detail.split("\n").slice(-3).join(" ")}`);
  }
}

/**
 * What the new project in `dir` depends on: the semver range when the registry has this version,
 * otherwise this very framework packed into the project (`file:tesserae-<version>.tgz`), which npm
 * installs without the registry knowing the package. An explicit `--tesserae <spec>` wins.
 */
export async function frameworkDependency(
  pkg: PackageInfo,
  dir: string,
  explicit: string | undefined,
  lookup: RegistryLookup = npmRegistryLookup,
): Promise<FrameworkDependency> {
  if (explicit !== undefined) return { spec: explicit, note: `tesserae from ${explicit} (--tesserae)` };
  const source = isSourceCheckout(pkg);
  if (!source) {
    const published = await lookup(pkg.version);
    if (published === true)
      return { spec: `^${pkg.version}`, note: `tesserae ^${pkg.version} from the registry` };
    const file = await packInto(pkg, dir, false);
    const why = published === false ? "the registry has no" : "the registry could not be asked for";
    return {
      spec: `file:${file}`,
      note: `tesserae from ${file}, packed from ${pkg.root} (${why} tesserae@${pkg.version})`,
    };
  }
  const file = await packInto(pkg, dir, true);
  return {
    spec: `file:${file}`,
    note: `tesserae from ${file}, built and packed from the source checkout ${pkg.root}`,
  };
}
