import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { workProject } from "../adapters/lambda/fixtures/work-project.js";
import { runCliCaptured } from "../support/cli.js";

// build, deploy and destroy in-process on (a copy of) the Lambda tests' project.
const { root, cleanup } = workProject();
afterAll(cleanup);

const cli = (...argv: string[]) => runCliCaptured(argv, root);

// A project's settings are copied into process.env, as a real run does: undo it after each test.
const saved = { ...process.env };
afterEach(() => {
  for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
  Object.assign(process.env, saved);
});

describe("tesserae build, deploy, destroy", () => {
  it("build --target lambda prints each function with its sizes", async () => {
    const { code, stdout, stderr } = await cli(
      "build",
      "--target",
      "lambda",
      "--service",
      "text",
      "--service",
      "vault",
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^SERVICE\s+BUNDLE\s+SIZE\s+ZIP$/);
    expect(lines[1]).toMatch(/^text\s+\.tesserae\/lambda\/text\/index\.mjs\s+\d+\.\d kB\s+\d+\.\d kB$/);
    expect(lines[2]).toMatch(/^vault\s+\.tesserae\/lambda\/vault\/index\.mjs/);
    expect(existsSync(join(root, ".tesserae", "lambda", "vault", "vault.zip"))).toBe(true);
    const json = JSON.parse((await cli("build", "--target", "lambda", "--service", "text", "--json")).stdout);
    expect(json[0]).toMatchObject({
      service: "text",
      bytes: expect.any(Number),
      zipBytes: expect.any(Number),
    });
  });

  it("build needs a known target and known services", async () => {
    expect(await cli("build")).toMatchObject({
      code: 1,
      stderr: "tesserae: --target is required: tesserae build --target lambda\n",
    });
    expect((await cli("build", "--target", "docker")).stderr).toBe(
      'tesserae: unknown target "docker": the only target is lambda\n',
    );
    expect((await cli("build", "--target", "lambda", "--service", "nope")).stderr).toBe(
      "tesserae: unknown service nope (the project has text, pipeline, vault)\n",
    );
  });

  it("deploy --dry-run writes the stage's Terraform and says what it did", async () => {
    const { code, stderr } = await cli("deploy", "--stage", "prod", "--dry-run");
    expect(code).toBe(0);
    expect(stderr).toMatch(/^built 3 functions: text \d+\.\d kB, pipeline \d+\.\d kB, vault \d+\.\d kB\n/);
    expect(stderr).toContain("wrote .tesserae/terraform/prod/ (4 .tf.json files, 9 routes, stage prod)\n");
    expect(stderr).toContain(
      "dry run: terraform was not called (cd .tesserae/terraform/prod && terraform init && terraform apply)",
    );
    const api = JSON.parse(readFileSync(join(root, ".tesserae", "terraform", "prod", "api.tf.json"), "utf8"));
    expect(Object.keys(api.resource.aws_api_gateway_method)).toHaveLength(9);
  });

  it("destroy --dry-run names the command; a stage never deployed is a clear error", async () => {
    await cli("deploy", "--stage", "prod", "--dry-run");
    expect(await cli("destroy", "--stage", "prod", "--dry-run")).toEqual({
      code: 0,
      stdout: "",
      stderr:
        "dry run: would run in .tesserae/terraform/prod: terraform destroy -auto-approve -input=false\n",
    });
    expect((await cli("destroy", "--stage", "dev")).stderr).toBe(
      "tesserae: nothing deployed for stage dev: no .tesserae/terraform/dev/main.tf.json (tesserae deploy --stage dev writes it)\n",
    );
  });

  it("are listed by tesserae --help", async () => {
    const { stdout } = await cli("--help");
    expect(stdout).toMatch(/\n {2}build\s+Build the project for a target/);
    expect(stdout).toMatch(/\n {2}deploy\s+Deploy the stage to AWS/);
    expect(stdout).toMatch(/\n {2}destroy\s+Remove what tesserae deploy created/);
  });
});
