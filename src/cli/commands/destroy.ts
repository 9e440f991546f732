import { relative } from "node:path";
import { destroy } from "../../deploy/deploy.js";
import type { CliCommand } from "../command.js";

export const destroyCommand: CliCommand = {
  name: "destroy",
  summary: "Remove what tesserae deploy created for the stage (terraform destroy)",
  usage: "tesserae destroy --stage <name> [--dry-run]",
  description: "Runs terraform destroy in .tesserae/terraform/<stage>, the folder tesserae deploy wrote.",
  examples: ["tesserae destroy --stage dev", "tesserae destroy --stage prod --dry-run"],
  options: [{ name: "dry-run", type: "boolean", description: "Print the command without running it" }],
  async run(ctx) {
    const project = await ctx.project();
    const dryRun = ctx.options["dry-run"] === true;
    const result = await destroy(project, { dryRun });
    const dir = relative(ctx.cwd, result.dir) || result.dir;
    if (dryRun) ctx.out.err(`dry run: would run in ${dir}: terraform ${result.command.join(" ")}`);
    else ctx.out.err(ctx.out.errColor.green(`destroyed stage ${project.stage}`));
    return 0;
  },
};
