/** ANSI styles, or identity functions when colours are off. */
export interface Colors {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const style = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const plain = (text: string) => text;

/**
 * Colours for a stream: on for a terminal, off when piped, off whenever `NO_COLOR` is set (to
 * anything but the empty string), on when `FORCE_COLOR` is set to something other than `0`.
 */
export function colorsFor(
  stream: { readonly isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>> = process.env,
): Colors {
  const enabled =
    env.NO_COLOR !== undefined && env.NO_COLOR !== ""
      ? false
      : env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== ""
        ? env.FORCE_COLOR !== "0"
        : stream.isTTY === true;
  if (!enabled) {
    return { enabled, bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  }
  return {
    enabled,
    bold: style(1, 22),
    dim: style(2, 22),
    red: style(31, 39),
    green: style(32, 39),
    yellow: style(33, 39),
    cyan: style(36, 39),
  };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC.
const ansi = /\u001b\[[0-9;]*m/g;

/** The width of a string as printed (ANSI styles take no room). */
export function visibleWidth(text: string): number {
  return text.replace(ansi, "").length;
}

/**
 * Lays out rows as aligned columns separated by two spaces; the last column is not padded.
 *
 * @example
 * table([["VERB", "PATH"], ["POST", "/text/upper"]]) // "VERB  PATH\nPOST  /text/upper"
 */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell));
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + " ".repeat(widths[i]! - visibleWidth(cell))))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Where a command writes: results on stdout, messages on stderr, each with its colours. */
export interface Output {
  readonly color: Colors;
  readonly errColor: Colors;
  /** Writes a line (or lines) of results on stdout. */
  out(text: string): void;
  /** Writes a line (or lines) of messages on stderr. */
  err(text: string): void;
}

export function processOutput(): Output {
  return {
    color: colorsFor(process.stdout),
    errColor: colorsFor(process.stderr),
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  };
}
