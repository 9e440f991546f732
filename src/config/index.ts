export {
  type CommandConfig,
  type CommandContext,
  type CommandFunction,
  type CommandOption,
  defineConfig,
  type GatewaySettings,
  type OptionValue,
  type ProjectConfig,
  type StageSettings,
} from "./project-config.js";
