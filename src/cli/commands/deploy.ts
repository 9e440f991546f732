import { relative } from "node:path";
import { deploy } from "../../deploy/deploy.js";
import type { CliCommand } from "../command.js";
import { formatSize } from "./build.js";

export const deployCommand: CliCommand = {
  name: "deploy",
  summary: "Deploy the stage to AWS: Lambda functions behind API Gateway, with Terraform",
  usage: "tesserae deploy --stage <name> [--dry-run] [--region <region>]",
  description:
    "Builds the functions of the services that have routes in the stage, writes the stage's Terraform\n" +
    "configuration (.tesserae/terraform/<stage>/*.tf.json: REST API with a resource and method per route,\n" +
    "a function per service with the settings of .env and .env.<stage>, the authorizers, IAM role, log\n" +
    "groups, results bucket, deployment and stage), then runs terraform init and apply there.",
  examples: ["tesserae deploy --stage prod", "tesserae deploy --stage dev --dry-run"],
  options: [
    { name: "dry-run", type: "boolean", description: "Write the files without calling terraform" },
    {
      name: "region",
      type: "string",
      value: "<region>",
      description: "AWS region (default AWS_REGION of the env files or the shell, else us-east-1)",
    },
  ],
  async run(ctx) {
    const project = await ctx.project();
    const dryRun = ctx.options["dry-run"] === true;
    const region = ctx.options.region;
    const c = ctx.out.errColor;
    const result = await deploy(project, { dryRun, ...(typeof region === "string" ? { region } : {}) });
    const dir = relative(ctx.cwd, result.dir) || result.dir;
    ctx.out.err(
      `built ${result.functions.length} function${result.functions.length === 1 ? "" : "s"}: ${result.functions
        .map((f) => `${f.service} ${formatSize(f.zipBytes)}`)
        .join(", ")}`,
    );
    ctx.out.err(
      `wrote ${dir}/ (${result.files.length} .tf.json files, ${result.routes} routes, stage ${result.stage})`,
    );
    if (result.skippedEnv.length > 0)
      ctx.out.err(
        c.yellow(
          `left out of the functions' environment (reserved by Lambda or invalid): ${result.skippedEnv.join(", ")}`,
        ),
      );
    if (dryRun)
      ctx.out.err(
        c.dim(`dry run: terraform was not called (cd ${dir} && terraform init && terraform apply)`),
      );
    else ctx.out.err(c.green(`deployed stage ${result.stage}`));
    return 0;
  },
};
