import { spawn } from "node:child_process";
import { TesseraError } from "../core/errors.js";

/** Runs `terraform <args>` in a folder; rejects when it cannot run or fails. */
export type TerraformRunner = (args: readonly string[], cwd: string) => Promise<void>;

/**
 * The real one: the `terraform` binary on the PATH, its output on this process's terminal.
 *
 * @example
 * await terraformCli(["init", "-input=false"], ".tesserae/terraform/prod");
 */
export const terraformCli: TerraformRunner = (args, cwd) =>
  new Promise((resolve, reject) => {
    const child = spawn("terraform", [...args], { cwd, stdio: "inherit" });
    child.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        err.code === "ENOENT"
          ? new TesseraError(
              "TESSERA_CONFIG",
              "terraform is not installed (https://developer.hashicorp.com/terraform/install); --dry-run writes the files without it",
            )
          : new TesseraError("TESSERA_CONFIG", `cannot run terraform: ${err.message}`, { cause: err }),
      );
    });
    child.once("exit", (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new TesseraError("TESSERA_CONFIG", `terraform ${args[0]} failed (${signal ?? `exit ${code}`})`),
        );
    });
  });
