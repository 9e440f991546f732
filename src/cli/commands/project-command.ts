import { dirname, resolve } from "node:path";
import { importProjectModule } from "../../config/load-project.js";
import type { CommandConfig, CommandOption, OptionValue } from "../../config/project-config.js";
import { createProjectNode } from "../../config/project-node.js";
import type { OptionSpec } from "../args.js";
import { CliError } from "../cli-error.js";
import { type CliCommand, commandLogger } from "../command.js";

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase();

interface ResolvedOption {
  readonly key: string;
  readonly flag: string;
  readonly type: "string" | "number" | "boolean";
  readonly spec: CommandOption;
}

function optionsOf(name: string, def: CommandConfig): ResolvedOption[] {
  return Object.entries(def.options ?? {}).map(([key, given]) => {
    const spec: CommandOption = typeof given === "object" ? given : { default: given };
    const fromDefault = typeof spec.default;
    const type =
      spec.type ?? (fromDefault === "number" || fromDefault === "boolean" ? fromDefault : "string");
    if (spec.default !== undefined && typeof spec.default !== type) {
      throw new CliError(`command ${name}: option ${key} is a ${type} but its default is a ${fromDefault}`);
    }
    return { key, flag: kebab(key), type, spec };
  });
}

function describe(option: ResolvedOption, def: CommandConfig): string {
  const defaults: string[] = [];
  if (option.spec.default !== undefined) defaults.push(`default ${JSON.stringify(option.spec.default)}`);
  for (const [stage, values] of Object.entries(def.stages ?? {})) {
    if (values[option.key] !== undefined) defaults.push(`${stage}: ${JSON.stringify(values[option.key])}`);
  }
  const text = option.spec.description ?? "";
  return defaults.length === 0 ? text : `${text}${text === "" ? "" : " "}(${defaults.join("; ")})`;
}

/**
 * A command declared in the project file: its options (defaults, then the stage's defaults, then
 * flags), run with a started node hosting the project's services.
 */
export function projectCommand(name: string, def: CommandConfig, configFile: string): CliCommand {
  const options = optionsOf(name, def);
  const specs: OptionSpec[] = options.map((o) => ({
    name: o.flag,
    type: o.type,
    ...(o.type === "boolean" ? {} : { value: `<${o.type}>` }),
    description: describe(o, def),
  }));
  return {
    name,
    summary: def.description,
    usage: `tesserae ${name}${specs.map((s) => ` [--${s.name}${s.value ? ` ${s.value}` : ""}]`).join("")}`,
    description: `${def.description}\n(project command: ${def.module}${def.export ? `#${def.export}` : ""})`,
    examples: [def.example ?? `tesserae ${name}`],
    options: specs,
    takesArguments: true,
    async run(ctx) {
      const project = await ctx.project();
      const values: Record<string, OptionValue | undefined> = {};
      for (const o of options) values[o.key] = o.spec.default;
      for (const [key, value] of Object.entries(def.stages?.[project.stage] ?? {})) {
        const option = options.find((o) => o.key === key);
        if (option === undefined)
          throw new CliError(`command ${name}: stage ${project.stage} sets an unknown option ${key}`);
        if (typeof value !== option.type) {
          throw new CliError(
            `command ${name}: stage ${project.stage} gives ${key} a ${typeof value}, not a ${option.type}`,
          );
        }
        values[key] = value;
      }
      for (const o of options) {
        const flag = ctx.options[o.flag];
        if (flag !== undefined) values[o.key] = flag as OptionValue;
      }
      const file = resolve(dirname(configFile), def.module);
      const exported = def.export ?? "default";
      const fn = (await importProjectModule(file, def.module))[exported];
      if (typeof fn !== "function")
        throw new CliError(`command ${name}: ${def.module} has no function export "${exported}"`);
      const node = await createProjectNode(project, commandLogger(ctx.verbose));
      await node.start();
      let result: unknown;
      try {
        result = await fn({
          node,
          options: values,
          args: ctx.args,
          stage: project.stage,
          root: project.root,
          env: project.env,
          log: node.logger,
        });
      } finally {
        await node.stop();
      }
      if (result !== undefined)
        ctx.out.out(typeof result === "string" ? result : JSON.stringify(result, null, 2));
      return 0;
    },
  };
}
