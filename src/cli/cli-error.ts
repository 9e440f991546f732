/**
 * A mistake of the user (a bad argument, a missing file): printed as one line, exit code 1, no
 * stack unless `--verbose`.
 */
export class CliError extends Error {
  override readonly name = "CliError";
}
