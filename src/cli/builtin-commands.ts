import type { CliCommand } from "./command.js";
import { addCommand } from "./commands/add.js";
import { buildCommand } from "./commands/build.js";
import { callCommand } from "./commands/call.js";
import { configCommand } from "./commands/config.js";
import { deployCommand } from "./commands/deploy.js";
import { destroyCommand } from "./commands/destroy.js";
import { devCommand } from "./commands/dev.js";
import { dlqCommand } from "./commands/dlq.js";
import { flowsCommand } from "./commands/flows.js";
import { newCommand } from "./commands/new.js";
import { nodesCommand } from "./commands/nodes.js";
import { openapiCommand } from "./commands/openapi.js";
import { routesCommand } from "./commands/routes.js";
import { startCommand } from "./commands/start.js";

/**
 * The built-in commands, in the order `tesserae --help` lists them. A new command is a file under
 * `commands/` exporting a {@link CliCommand}, added here.
 */
export const builtinCommands: readonly CliCommand[] = [
  newCommand,
  addCommand,
  devCommand,
  startCommand,
  routesCommand,
  callCommand,
  nodesCommand,
  flowsCommand,
  dlqCommand,
  openapiCommand,
  configCommand,
  buildCommand,
  deployCommand,
  destroyCommand,
];

export function findBuiltin(name: string): CliCommand | undefined {
  return builtinCommands.find((cmd) => cmd.name === name);
}
