import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { loadEnvLayers } from "../config/env-layers.js";
import type { Project } from "../config/load-project.js";
import { TesseraError } from "../core/errors.js";
import { routeTable } from "../core/routes.js";
import { buildLambdas, type LambdaArtifact, type LambdaBuildOptions } from "./lambda-build.js";
import type { ApiRoute } from "./terraform/rest-api.js";
import { terraformFiles } from "./terraform/terraform-files.js";
import { type TerraformRunner, terraformCli } from "./terraform-runner.js";

export interface DeployOptions {
  /** Writes the files without running terraform. */
  readonly dryRun?: boolean;
  /** Default region of the stage (else `AWS_REGION` of the env files or the process, else us-east-1). */
  readonly region?: string;
  /** Default: the `terraform` binary. */
  readonly terraform?: TerraformRunner;
  /** Options of the build of the functions. */
  readonly build?: Omit<LambdaBuildOptions, "services">;
}

export interface DeployResult {
  readonly stage: string;
  /** `<root>/.tesserae/terraform/<stage>` */
  readonly dir: string;
  /** The `*.tf.json` files written. */
  readonly files: readonly string[];
  readonly functions: readonly LambdaArtifact[];
  readonly routes: number;
  /** Keys of the env files left out of the functions (reserved by Lambda or invalid). */
  readonly skippedEnv: readonly string[];
  /** False with `dryRun`. */
  readonly applied: boolean;
}

/** Where the Terraform configuration of a stage lives. */
export function terraformDir(project: Pick<Project, "root">, stage: string): string {
  return join(project.root, ".tesserae", "terraform", stage);
}

/** The routes of the project's stage, as API Gateway serves them. */
export function apiRoutes(project: Project): ApiRoute[] {
  const fallback = project.settings.gateway.authorize;
  return routeTable(project.services, project.stage).map((r) => ({
    method: r.method,
    path: r.path,
    service: r.service.name,
    entry: r.entry.name,
    authorized: r.entry.options.noAuth !== true && (r.service.options.authorize ?? fallback) !== undefined,
  }));
}

/**
 * `tesserae deploy --stage <s>`: builds the functions of the services that have routes in the
 * stage, writes the stage's Terraform configuration (`.tesserae/terraform/<stage>/*.tf.json`), then
 * runs `terraform init` and `terraform apply` there (unless `dryRun`). The functions get the
 * settings of `.env` and `.env.<stage>` (not those of the shell that deploys).
 *
 * @example
 * const { dir, files } = await deploy(await loadProject({ stage: "prod" }), { dryRun: true });
 */
export async function deploy(project: Project, options: DeployOptions = {}): Promise<DeployResult> {
  const stage = project.stage;
  const routes = apiRoutes(project);
  if (routes.length === 0)
    throw new TesseraError("TESSERA_CONFIG", `no route in stage ${stage}: nothing to deploy`);
  const services = [...new Set(routes.map((r) => r.service))];
  const functions = await buildLambdas(project, { ...options.build, services });
  const dir = terraformDir(project, stage);
  const { env } = loadEnvLayers({ dir: project.root, stage, processEnv: {} });
  const { files, skippedEnv } = terraformFiles({
    project: project.name,
    stage,
    routes,
    functions: functions.map((f) => ({
      service: f.service,
      zip: relative(dir, f.zip).split(sep).join("/"),
      sha256: f.sha256,
    })),
    env,
    region: options.region ?? env.AWS_REGION ?? process.env.AWS_REGION ?? "us-east-1",
    cors: project.settings.gateway.cors !== undefined,
  });
  // Only Tesserae's files are (over)written: a backend or override file added beside them stays.
  await mkdir(dir, { recursive: true });
  for (const [name, doc] of Object.entries(files))
    await writeFile(join(dir, name), `${JSON.stringify(doc, null, 2)}\n`);
  const result = {
    stage,
    dir,
    files: Object.keys(files).map((name) => join(dir, name)),
    functions,
    routes: routes.length,
    skippedEnv,
  };
  if (options.dryRun === true) return { ...result, applied: false };
  const terraform = options.terraform ?? terraformCli;
  await terraform(["init", "-input=false"], dir);
  await terraform(["apply", "-auto-approve", "-input=false"], dir);
  return { ...result, applied: true };
}

export interface DestroyResult {
  readonly dir: string;
  /** The terraform command run (or that would run, with `dryRun`). */
  readonly command: readonly string[];
  readonly destroyed: boolean;
}

/**
 * `tesserae destroy --stage <s>`: `terraform destroy` in the stage's folder (which `deploy` wrote).
 *
 * @example
 * await destroy(await loadProject({ stage: "dev" }));
 */
export async function destroy(
  project: Pick<Project, "root" | "stage">,
  options: Pick<DeployOptions, "dryRun" | "terraform"> = {},
): Promise<DestroyResult> {
  const dir = terraformDir(project, project.stage);
  if (!existsSync(join(dir, "main.tf.json")))
    throw new TesseraError(
      "TESSERA_CONFIG",
      `nothing deployed for stage ${project.stage}: no ${relative(project.root, dir)}/main.tf.json (tesserae deploy --stage ${project.stage} writes it)`,
    );
  const command = ["destroy", "-auto-approve", "-input=false"];
  if (options.dryRun === true) return { dir, command, destroyed: false };
  const terraform = options.terraform ?? terraformCli;
  await terraform(["init", "-input=false"], dir);
  await terraform(command, dir);
  return { dir, command, destroyed: true };
}
