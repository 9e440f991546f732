import type { CommandContext } from "tesserae";
import { greeter } from "../greeter.js";

/** `tesserae greet --name Ada`: a project command calls the services like any client. */
export default async function greet({ node, options }: CommandContext): Promise<string> {
  const { text } = await node.call(greeter.entries.greet, { name: String(options.name) });
  return text;
}
