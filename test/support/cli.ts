import { runCli } from "../../src/cli/cli.js";
import { colorsFor, type Output } from "../../src/cli/output.js";

/** What one in-process run of the CLI printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in this process with plain (uncoloured) output captured line by line. */
export async function runCliCaptured(argv: readonly string[], cwd?: string): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const plain = colorsFor({}, {});
  const out: Output = {
    color: plain,
    errColor: plain,
    out: (text) => {
      stdout += `${text}\n`;
    },
    err: (text) => {
      stderr += `${text}\n`;
    },
  };
  const code = await runCli([...argv], out, cwd);
  return { code, stdout, stderr };
}
