import npa from "npm-package-arg";
import { CliError } from "./cli-error.js";

/**
 * Refuses a `--tesserae` value npm could not install, before anything is written: a typo would
 * otherwise be written into the new project's package.json and fail only at `npm install`. The
 * spec is parsed by npm-package-arg, the parser npm itself uses, so whatever npm takes (a semver
 * range or version, a dist-tag, a file: path or plain path, a tarball URL, a git URL or GitHub
 * shorthand, an npm: alias) is taken, and nothing else.
 */
export function checkFrameworkSpec(spec: string): void {
  const problem = (why: string) =>
    new CliError(
      `--tesserae "${spec}" is not a dependency npm can install (${why}): give a semver range, a dist-tag, a file: path, a tarball URL or a git URL`,
    );
  if (spec.trim() === "") throw problem("it is empty");
  try {
    npa.resolve("tesserae", spec);
  } catch (err) {
    throw problem(err instanceof Error ? err.message.replace(/\.$/, "") : String(err));
  }
}
