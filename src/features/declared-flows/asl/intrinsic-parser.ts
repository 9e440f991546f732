import { runtimeError } from "./asl-error.js";
import type { Json } from "./asl-types.js";

/** A parsed intrinsic expression: a call, a literal or a path. */
export type IntrinsicNode =
  | { readonly kind: "call"; readonly name: string; readonly args: readonly IntrinsicNode[] }
  | {
      readonly kind: "literal";
      readonly value: Json;
      /** A quoted string's pieces between its unescaped `{}` (what `States.Format` fills). */
      readonly pieces?: readonly string[];
    }
  | { readonly kind: "path"; readonly path: string };

/**
 * Reads an intrinsic call (`States.Format('Hi {}', States.ArrayGetItem($.names, 0))`) into a tree:
 * a recursive-descent parser over the characters, so that nested calls, quoted strings with their
 * escapes (`\'`, `\{`, `\}`, `\\`) and paths with brackets and filters are read as the spec writes
 * them. A text that is not one call is `States.Runtime` naming the position.
 *
 * @example
 * parseIntrinsic("States.MathAdd($.a, 1)") // { kind: "call", name: "States.MathAdd", args: [path, literal] }
 */
export function parseIntrinsic(text: string): IntrinsicNode {
  const p = new Parser(text);
  p.space();
  const node = p.call();
  p.space();
  if (!p.done()) p.fail("unexpected text after the call");
  return node;
}

class Parser {
  private i = 0;

  constructor(private readonly s: string) {}

  done(): boolean {
    return this.i >= this.s.length;
  }

  fail(what: string): never {
    throw runtimeError(`intrinsic ${JSON.stringify(this.s)}: ${what} at position ${this.i}`);
  }

  space(): void {
    while (this.s[this.i] === " " || this.s[this.i] === "\t" || this.s[this.i] === "\n") this.i++;
  }

  call(): IntrinsicNode {
    const m = /^States\.[A-Za-z0-9]+/.exec(this.s.slice(this.i));
    if (m === null) this.fail("expected a function such as States.Format(");
    this.i += m[0].length;
    this.space();
    if (this.s[this.i] !== "(") this.fail(`expected ( after ${m[0]}`);
    this.i++;
    const args: IntrinsicNode[] = [];
    this.space();
    if (this.s[this.i] === ")") {
      this.i++;
      return { kind: "call", name: m[0], args };
    }
    for (;;) {
      this.space();
      args.push(this.arg());
      this.space();
      const c = this.s[this.i];
      if (c === ",") {
        this.i++;
        continue;
      }
      if (c === ")") {
        this.i++;
        return { kind: "call", name: m[0], args };
      }
      this.fail("expected , or )");
    }
  }

  private arg(): IntrinsicNode {
    const c = this.s[this.i];
    if (c === "'") return this.string();
    if (c === "$") return { kind: "path", path: this.path() };
    if (this.s.startsWith("States.", this.i)) return this.call();
    const m = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)(?=\s*[,)])/.exec(this.s.slice(this.i));
    if (m === null) this.fail("expected a quoted string, a number, true, false, null, a path or a call");
    this.i += m[0].length;
    return { kind: "literal", value: JSON.parse(m[1]!) as Json };
  }

  private string(): IntrinsicNode {
    this.i++; // the opening quote
    let current = "";
    const pieces: string[] = [];
    let value = "";
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) this.fail("unterminated string");
      if (c === "'") {
        this.i++;
        pieces.push(current);
        return { kind: "literal", value, pieces };
      }
      if (c === "\\") {
        const n = this.s[this.i + 1];
        if (n === undefined) this.fail("unterminated escape");
        value += n;
        current += n;
        this.i += 2;
        continue;
      }
      if (c === "{" && this.s[this.i + 1] === "}") {
        pieces.push(current);
        current = "";
        value += "{}";
        this.i += 2;
        continue;
      }
      value += c;
      current += c;
      this.i++;
    }
  }

  /** A path runs to the `,` or `)` that ends the argument: brackets, parentheses and quotes inside it are its own. */
  private path(): string {
    const start = this.i;
    let depth = 0;
    let quote: string | undefined;
    for (; this.i < this.s.length; this.i++) {
      const c = this.s[this.i]!;
      if (quote !== undefined) {
        if (c === "\\") this.i++;
        else if (c === quote) quote = undefined;
        continue;
      }
      if (c === "'" || c === '"') quote = c;
      else if (c === "[" || c === "(") depth++;
      else if ((c === "]" || c === ")") && depth > 0) depth--;
      else if ((c === "," || c === ")") && depth === 0) break;
    }
    const path = this.s.slice(start, this.i).trim();
    if (quote !== undefined || depth !== 0) this.fail("unbalanced path");
    return path;
  }
}
