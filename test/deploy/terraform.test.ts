import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProject, type Project } from "../../src/config/load-project.js";
import { routeTable } from "../../src/core/routes.js";
import { apiRoutes, type DeployResult, deploy, destroy } from "../../src/deploy/deploy.js";
import { restApiDocument } from "../../src/deploy/terraform/rest-api.js";
import { terraformFiles } from "../../src/deploy/terraform/terraform-files.js";
import { literal, ref } from "../../src/deploy/terraform/tf-json.js";
import { terraformCli } from "../../src/deploy/terraform-runner.js";
import { workProject } from "../adapters/lambda/fixtures/work-project.js";

const { root, cleanup } = workProject();
afterAll(cleanup);

type Resources = Record<string, Record<string, Record<string, unknown>>>;
// biome-ignore lint/suspicious/noExplicitAny: reading generated JSON in assertions
type Loose = Record<string, any>;

/** The files of a deploy, parsed, and all their resources by type. */
function read(result: DeployResult) {
  const docs = Object.fromEntries(
    result.files.map((f) => [
      f.slice(f.lastIndexOf("/") + 1),
      JSON.parse(readFileSync(f, "utf8")) as Record<string, unknown>,
    ]),
  );
  const resources: Resources = {};
  for (const doc of Object.values(docs)) {
    for (const [type, byName] of Object.entries((doc.resource ?? {}) as Resources)) {
      resources[type] = { ...resources[type], ...byName };
    }
  }
  return { docs, resources };
}

/** The full path of an API Gateway resource, following parent_id references. */
function pathOf(resources: Resources, resourceId: string): string {
  const m = /^\$\{aws_api_gateway_resource\.([\w-]+)\.id\}$/.exec(resourceId);
  if (m === null) {
    expect(resourceId).toBe(ref("aws_api_gateway_rest_api.api.root_resource_id"));
    return "";
  }
  const r = resources.aws_api_gateway_resource?.[m[1]!];
  expect(r, `resource ${m[1]}`).toBeDefined();
  return `${pathOf(resources, r!.parent_id as string)}/${r!.path_part as string}`;
}

const load = (stage: string): Promise<Project> =>
  loadProject({ cwd: root, stage, processEnv: { ...process.env, SHELL_SECRET: "not for lambda" } });

let dev: { result: DeployResult; project: Project } & ReturnType<typeof read>;
let prod: { result: DeployResult; project: Project } & ReturnType<typeof read>;

beforeAll(async () => {
  const run = async (stage: string) => {
    const project = await load(stage);
    const result = await deploy(project, { dryRun: true, region: "eu-west-1", build: { verify: false } });
    return { project, result, ...read(result) };
  };
  dev = await run("dev");
  prod = await run("prod");
}, 60_000);

describe("tesserae deploy --dry-run: the generated Terraform (JSON syntax)", () => {
  it("writes main, iam, lambda and api .tf.json files that parse", () => {
    expect(prod.result.dir).toBe(join(root, ".tesserae", "terraform", "prod"));
    expect(Object.keys(prod.docs).sort()).toEqual([
      "api.tf.json",
      "iam.tf.json",
      "lambda.tf.json",
      "main.tf.json",
    ]);
    expect(prod.result.applied).toBe(false);
    const main = prod.docs["main.tf.json"] as Loose;
    expect(main.terraform.required_providers.aws.source).toBe("hashicorp/aws");
    expect(main.provider.aws.region).toBe(ref("var.region"));
    expect(main.variable.region.default).toBe("eu-west-1");
    expect(main.output.url.value).toBe(ref("aws_api_gateway_stage.stage.invoke_url"));
  });

  it("has a method and a Lambda proxy integration for every route of the stage, at its path", () => {
    for (const { project, resources } of [dev, prod]) {
      const routes = routeTable(project.services, project.stage);
      const methods = Object.entries(resources.aws_api_gateway_method ?? {}).filter(
        ([, m]) => m.http_method !== "OPTIONS",
      );
      expect(methods).toHaveLength(routes.length);
      for (const route of routes) {
        const name = `${route.service.name}_${route.entry.name}`;
        const method = resources.aws_api_gateway_method?.[name];
        expect(method, name).toBeDefined();
        expect(method!.http_method).toBe(route.method);
        expect(pathOf(resources, method!.resource_id as string)).toBe(route.path.replace(/:(\w+)/g, "{$1}"));
        expect(resources.aws_api_gateway_integration?.[name]).toMatchObject({
          type: "AWS_PROXY",
          integration_http_method: "POST",
          http_method: `\${aws_api_gateway_method.${name}.http_method}`,
          uri: `\${aws_lambda_function.${route.service.name}.invoke_arn}`,
        });
      }
    }
  });

  it("respects stage-limited entries", () => {
    expect(dev.resources.aws_api_gateway_method?.vault_getDebug).toBeDefined();
    expect(prod.resources.aws_api_gateway_method?.vault_getDebug).toBeUndefined();
    expect(
      Object.values(prod.resources.aws_api_gateway_resource ?? {}).map((r) => r.path_part),
    ).not.toContain("debug");
    expect(prod.result.routes).toBe(dev.result.routes - 1);
  });

  it("one function per service and stage, with the settings of .env and .env.<stage> only", () => {
    const functions = prod.resources.aws_lambda_function ?? {};
    expect(Object.keys(functions).sort()).toEqual(["pipeline", "text", "vault"]);
    const vault = functions.vault as Loose;
    expect(vault).toMatchObject({
      function_name: "lambda-fixture-prod-vault",
      runtime: "nodejs20.x",
      handler: "index.handler",
      role: ref("aws_iam_role.lambda.arn"),
    });
    expect(vault.environment.variables).toEqual({
      GREETING: "hello",
      SHARED: "from-prod",
      PROD_ONLY: "1",
      TESSERA_STAGE: "prod",
      TESSERA_RESULTS_BUCKET: ref("aws_s3_bucket.results.bucket"),
    });
    const devVault = (dev.resources.aws_lambda_function?.vault ?? {}) as Loose;
    expect(devVault.environment.variables).toMatchObject({
      SHARED: "from-env",
      TESSERA_STAGE: "dev",
    });
    // The zip it names is the one built, with its hash.
    const zip = resolve(prod.result.dir, (vault.filename as string).replace(`${ref("path.module")}/`, ""));
    expect(zip).toBe(join(root, ".tesserae", "lambda", "vault", "vault.zip"));
    expect(vault.source_code_hash).toBe(createHash("sha256").update(readFileSync(zip)).digest("base64"));
    expect(vault.depends_on).toContain("aws_cloudwatch_log_group.vault");
    expect(prod.resources.aws_cloudwatch_log_group?.vault).toMatchObject({
      name: "/aws/lambda/lambda-fixture-prod-vault",
      retention_in_days: 14,
    });
    expect(prod.resources.aws_lambda_permission?.vault).toMatchObject({
      principal: "apigateway.amazonaws.com",
      source_arn: `${ref("aws_api_gateway_rest_api.api.execution_arn")}/*`,
    });
  });

  it("the service's function is its REQUEST authorizer; noAuth entries and services without one have none", () => {
    const { resources } = prod;
    expect(Object.keys(resources.aws_api_gateway_authorizer ?? {})).toEqual(["vault"]);
    expect(resources.aws_api_gateway_authorizer?.vault).toMatchObject({
      type: "REQUEST",
      authorizer_uri: ref("aws_lambda_function.vault.invoke_arn"),
      identity_source: "method.request.header.Authorization",
      authorizer_result_ttl_in_seconds: 0,
    });
    const methods = resources.aws_api_gateway_method ?? {};
    expect(methods.vault_getSecret).toMatchObject({
      authorization: "CUSTOM",
      authorizer_id: ref("aws_api_gateway_authorizer.vault.id"),
      request_parameters: { "method.request.path.name": true },
    });
    expect(methods.vault_getLogo).toMatchObject({ authorization: "NONE" });
    expect(methods.vault_getLogo?.authorizer_id).toBeUndefined();
    expect(methods.text_upper).toMatchObject({ authorization: "NONE" });
  });

  it("the IAM role, the REST API with binary media types, the deployment and the stage", () => {
    const { resources, docs } = prod;
    expect(
      JSON.parse(resources.aws_iam_role?.lambda?.assume_role_policy as string).Statement[0].Principal,
    ).toEqual({
      Service: "lambda.amazonaws.com",
    });
    const policy = JSON.parse(resources.aws_iam_role_policy?.lambda?.policy as string);
    expect(policy.Statement[0].Resource).toContain(`${ref("aws_cloudwatch_log_group.vault.arn")}:*`);
    expect(policy.Statement[1].Resource).toBe(`${ref("aws_s3_bucket.results.arn")}/*`);
    expect(resources.aws_api_gateway_rest_api?.api).toMatchObject({
      name: "lambda-fixture-prod",
      binary_media_types: ["*/*"],
    });
    const deployment = resources.aws_api_gateway_deployment?.api as Loose;
    const methodCount = Object.keys(resources.aws_api_gateway_method ?? {}).length;
    expect(deployment.depends_on).toHaveLength(methodCount * 2);
    expect(deployment.triggers.redeployment).toMatch(
      /^\$\{sha1\(jsonencode\(\[.*aws_api_gateway_method\.vault_getSecret\.id/,
    );
    expect(deployment.lifecycle).toEqual({ create_before_destroy: true });
    expect(resources.aws_api_gateway_stage?.stage).toMatchObject({
      stage_name: "prod",
      deployment_id: ref("aws_api_gateway_deployment.api.id"),
    });
    expect(docs["lambda.tf.json"]).toHaveProperty("resource.aws_s3_bucket.results.force_destroy", true);
  });

  it("every reference points to a declared resource or variable", () => {
    for (const { docs, resources } of [dev, prod]) {
      const declared = new Set(
        Object.entries(resources).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)),
      );
      const refs = new Set<string>();
      const visit = (value: unknown, key?: string): void => {
        if (typeof value === "string") {
          for (const m of value.matchAll(/(?<!\$)\$\{([^}]*)\}/g))
            for (const r of m[1]!.matchAll(/\b(aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)/g)) refs.add(r[1]!);
          if (key === "depends_on") refs.add(value);
        } else if (Array.isArray(value)) for (const v of value) visit(v, key);
        else if (value !== null && typeof value === "object")
          for (const [k, v] of Object.entries(value))
            visit(v, k === "depends_on" ? k : key === "depends_on" ? key : k);
      };
      visit(docs);
      expect(refs.size).toBeGreaterThan(20);
      for (const r of refs) expect(declared, r).toContain(r);
    }
  });

  it("routes with the authorizer of the project's gateway settings count as authorized", async () => {
    const project = await load("dev");
    const withDefault = {
      ...project,
      settings: { ...project.settings, gateway: { ...project.settings.gateway, authorize: () => true } },
    };
    const routes = apiRoutes(withDefault);
    expect(routes.find((r) => r.entry === "upper")?.authorized).toBe(true);
    expect(routes.find((r) => r.entry === "getLogo")?.authorized).toBe(false);
  });
});

describe("terraform files from plain input", () => {
  const base = {
    project: "Shop App",
    stage: "prod",
    routes: [{ method: "GET", path: "/", service: "home", entry: "get", authorized: false }],
    functions: [{ service: "home", zip: "../../lambda/home/home.zip", sha256: "abc=" }],
    region: "us-east-1",
  };

  it("escapes ${ and %{ in settings, and leaves out keys Lambda reserves or refuses", () => {
    const { files, skippedEnv } = terraformFiles({
      ...base,
      env: { TEMPLATE: `Hello ${"$"}{name} %{if x}`, AWS_REGION: "eu-west-1", "my.key": "1", OK_1: "x" },
    });
    const fn = (files["lambda.tf.json"] as Loose).resource.aws_lambda_function.home;
    expect(fn.environment.variables.TEMPLATE).toBe(`Hello $${"$"}{name} %%{if x}`);
    expect(fn.environment.variables.OK_1).toBe("x");
    expect(skippedEnv).toEqual(["AWS_REGION", "my.key"]);
    expect(fn.function_name).toBe("shop-app-prod-home");
    expect(literal("a$b%c")).toBe("a$b%c");
  });

  it("a route at / sits on the root resource; CORS adds OPTIONS per resource", () => {
    const doc = restApiDocument({
      name: "x",
      stage: "dev",
      cors: true,
      routes: [
        ...base.routes,
        { method: "POST", path: "/orders/:id", service: "home", entry: "post", authorized: true },
      ],
    }) as Loose;
    expect(doc.resource.aws_api_gateway_method.home_get.resource_id).toBe(
      ref("aws_api_gateway_rest_api.api.root_resource_id"),
    );
    expect(doc.resource.aws_api_gateway_method.options_root.http_method).toBe("OPTIONS");
    expect(doc.resource.aws_api_gateway_method.options_orders_by_id.authorization).toBe("NONE");
    expect(Object.keys(doc.resource.aws_api_gateway_resource)).toEqual(["orders", "orders_by_id"]);
  });

  it("refuses two parameter names at one level (API Gateway cannot), and an empty stage", () => {
    expect(() =>
      restApiDocument({
        name: "x",
        stage: "dev",
        cors: false,
        routes: [
          { method: "GET", path: "/orders/:id", service: "o", entry: "get", authorized: false },
          { method: "GET", path: "/orders/:orderId/items", service: "o", entry: "items", authorized: false },
        ],
      }),
    ).toThrow("/orders/{id} and /orders/{orderId} conflict");
    expect(() => terraformFiles({ ...base, routes: [], env: {} })).toThrow("no route in stage prod");
  });
});

describe("terraform runs", () => {
  it("deploy runs init then apply in the stage's folder; destroy runs init then destroy", async () => {
    const calls: string[] = [];
    const terraform = async (args: readonly string[], cwd: string) => {
      calls.push(`${cwd.slice(cwd.lastIndexOf("/") + 1)}: terraform ${args.join(" ")}`);
    };
    const project = await load("prod");
    const result = await deploy(project, { terraform, build: { verify: false } });
    expect(result.applied).toBe(true);
    await destroy(project, { terraform });
    expect(calls).toEqual([
      "prod: terraform init -input=false",
      "prod: terraform apply -auto-approve -input=false",
      "prod: terraform init -input=false",
      "prod: terraform destroy -auto-approve -input=false",
    ]);
    expect((await destroy(project, { dryRun: true, terraform })).command).toEqual([
      "destroy",
      "-auto-approve",
      "-input=false",
    ]);
    expect(calls).toHaveLength(4);
  });

  it("destroy of a stage never deployed is a clear error", async () => {
    await expect(destroy({ root, stage: "qa" })).rejects.toThrow(
      "nothing deployed for stage qa: no .tesserae/terraform/qa/main.tf.json (tesserae deploy --stage qa writes it)",
    );
  });

  it("without terraform installed, the error says so and points at --dry-run", async ({ skip }) => {
    const path = process.env.PATH ?? "";
    if (
      path.split(":").some((d) => {
        try {
          readFileSync(join(d, "terraform"));
          return true;
        } catch {
          return false;
        }
      })
    )
      skip();
    await expect(terraformCli(["version"], dirname(root))).rejects.toThrow(
      /terraform is not installed.*--dry-run/,
    );
  });
});
