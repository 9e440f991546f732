import { TesseraError } from "../core/errors.js";

/**
 * The services a node runs, from `--services`: comma-separated names of the project's services,
 * or `none` for a pure gateway node. An unknown name fails with one error that lists the known ones.
 *
 * @example
 * runServices("text, pipeline", ["text", "pipeline", "flows"]) // ["text", "pipeline"]
 * runServices("none", ["text", "pipeline"])                    // []
 */
export function runServices(flag: string, known: readonly string[]): string[] {
  const names = flag
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  const choices = `the project's services are ${known.join(", ") || "none"}; none makes a gateway node`;
  if (names.length === 0) throw new TesseraError("TESSERA_CONFIG", `--services: name some (${choices})`);
  if (names.includes("none")) {
    if (names.length > 1)
      throw new TesseraError(
        "TESSERA_CONFIG",
        "--services: none (a gateway node) goes alone, without service names",
      );
    return [];
  }
  const unknown = [...new Set(names.filter((name) => !known.includes(name)))];
  if (unknown.length > 0) {
    const quoted = unknown.map((name) => `"${name}"`).join(", ");
    throw new TesseraError(
      "TESSERA_CONFIG",
      `--services: unknown service${unknown.length > 1 ? "s" : ""} ${quoted} (${choices})`,
    );
  }
  return [...new Set(names)];
}
