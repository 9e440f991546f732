// The generated configuration checked by Terraform itself: `terraform validate`, and with
// TESSERA_TF_PLAN=1 a plan against a provider that makes no AWS call (slower: tens of seconds).
// Needs the terraform binary and the AWS provider in a local plugin folder (TESSERA_TF_PLUGIN_DIR,
// default /opt/tf-plugins); skipped with a notice otherwise.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../src/config/load-project.js";
import { routeTable } from "../../src/core/routes.js";
import { deploy } from "../../src/deploy/deploy.js";
import { workProject } from "../adapters/lambda/fixtures/work-project.js";

const { root, cleanup } = workProject();
const pluginDir = process.env.TESSERA_TF_PLUGIN_DIR ?? "/opt/tf-plugins";
const terraform = spawnSync("terraform", ["version"], { encoding: "utf8" });
const available =
  terraform.status === 0 && existsSync(join(pluginDir, "registry.terraform.io", "hashicorp", "aws"));
if (!available)
  console.warn(`terraform.int.test: skipped (needs terraform and the AWS provider under ${pluginDir})`);

const work = mkdtempSync(join(tmpdir(), "tesserae-tf-"));
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  cleanup();
});

const tf = (dir: string, ...args: string[]) =>
  execFileSync("terraform", args, {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: "/dev/null" },
  });

describe.runIf(available)("terraform on the generated configuration", () => {
  it("validates", async () => {
    const project = await loadProject({ cwd: root, stage: "prod", processEnv: { ...process.env } });
    const result = await deploy(project, { dryRun: true, region: "eu-west-1", build: { verify: false } });
    // A copy, with the lambda folder beside it as in the project (the zips are named relatively).
    cpSync(join(root, ".tesserae"), join(work, ".tesserae"), { recursive: true });
    const dir = join(work, ".tesserae", "terraform", "prod");
    tf(dir, "init", "-backend=false", "-input=false", `-plugin-dir=${pluginDir}`);
    expect(tf(dir, "validate", "-json")).toContain('"valid": true');
    expect(result.routes).toBe(routeTable(project.services, "prod").length);
  }, 120_000);

  it.runIf(process.env.TESSERA_TF_PLAN === "1")(
    "plans a function per service and a method per route",
    async () => {
      const project = await loadProject({ cwd: root, stage: "prod", processEnv: { ...process.env } });
      const dir = join(work, ".tesserae", "terraform", "prod");
      // Credentials and checks off: the plan is computed without calling AWS.
      writeFileSync(
        join(dir, "offline_override.tf.json"),
        JSON.stringify({
          provider: {
            aws: {
              access_key: "test",
              secret_key: "test",
              skip_credentials_validation: true,
              skip_requesting_account_id: true,
              skip_metadata_api_check: true,
              skip_region_validation: true,
            },
          },
        }),
      );
      tf(dir, "plan", "-input=false", "-refresh=false", "-out=plan.bin");
      const plan = JSON.parse(tf(dir, "show", "-json", "plan.bin")) as {
        resource_changes: {
          type: string;
          name: string;
          change: { actions: string[]; after: Record<string, unknown> };
        }[];
      };
      const of = (type: string) => plan.resource_changes.filter((r) => r.type === type);
      expect(plan.resource_changes.every((r) => r.change.actions.join() === "create")).toBe(true);
      expect(
        of("aws_lambda_function")
          .map((r) => r.change.after.function_name)
          .sort(),
      ).toEqual(["lambda-fixture-prod-pipeline", "lambda-fixture-prod-text", "lambda-fixture-prod-vault"]);
      const routes = routeTable(project.services, "prod");
      expect(of("aws_api_gateway_method")).toHaveLength(routes.length);
      expect(of("aws_api_gateway_integration")).toHaveLength(routes.length);
      expect(of("aws_api_gateway_authorizer")).toHaveLength(1);
      expect(of("aws_api_gateway_stage")[0]?.change.after.stage_name).toBe("prod");
    },
    180_000,
  );
});
