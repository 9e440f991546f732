import type { CommandContext } from "tesserae";
import { text } from "../text/services.js";

// A project command: what it returns is printed.
export default async function shout({ node, options }: CommandContext): Promise<string> {
  const { message } = await node.call(text.entries.upper, { message: String(options.message) });
  return Array.from({ length: Number(options.times) }, () => message).join(" ");
}
