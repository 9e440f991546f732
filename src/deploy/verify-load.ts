import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { TesseraError } from "../core/errors.js";

/**
 * Imports a built function in a fresh node process, as Lambda does at a cold start, and fails with
 * its error when it does not load: esbuild turns a name re-exported from a TypeScript module that
 * does not export it into `undefined` without a word (it may have been a type), which would
 * otherwise only show on AWS.
 *
 * @example
 * await verifyLoads(".tesserae/lambda/text/index.mjs", "text");
 */
export function verifyLoads(bundle: string, service: string, timeoutMs = 30_000): Promise<void> {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)});
if (typeof m.handler !== "function") throw new Error("it exports no handler function");`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", TESSERA_STAGE: "dev" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    err = (err + chunk).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(new TesseraError("TESSERA_CONFIG", `cannot check the function of ${service}: ${e.message}`));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      // The first line that names the error ("TypeError: … is not a function").
      const line = err.split("\n").find((l) => /^\w*Error\b/.test(l)) ?? err.trim().split("\n").at(-1) ?? "";
      reject(
        new TesseraError(
          "TESSERA_CONFIG",
          `the function of ${service} does not load (${signal ?? `exit ${code}`}): ${line.slice(0, 300)}`,
        ),
      );
    });
  });
}
