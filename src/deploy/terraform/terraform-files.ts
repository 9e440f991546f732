import { TesseraError } from "../../core/errors.js";
import { type FunctionSpec, functionsDocument, iamDocument } from "./functions.js";
import { type ApiRoute, restApiDocument } from "./rest-api.js";
import { awsName, ref, type TfDocument, tfId } from "./tf-json.js";

export interface TerraformInput {
  /** The project's name (the start of every AWS name). */
  readonly project: string;
  readonly stage: string;
  /** The routes of the stage (entries of other stages left out). */
  readonly routes: readonly ApiRoute[];
  /** The built functions: service, zip (relative to the Terraform folder) and its hash. */
  readonly functions: readonly Omit<FunctionSpec, "functionName">[];
  /** `.env` then `.env.<stage>`, merged. */
  readonly env: Readonly<Record<string, string>>;
  /** Default region of the `region` variable. */
  readonly region: string;
  readonly cors?: boolean;
  /** MB, default 256. */
  readonly memorySize?: number;
  /** Seconds, default 30. */
  readonly timeout?: number;
  /** Default arm64 (the bundles are plain JavaScript). */
  readonly architecture?: "arm64" | "x86_64";
  /** Default 14. */
  readonly logRetentionDays?: number;
}

export interface TerraformFiles {
  /** File name (`main.tf.json`, …) → document. */
  readonly files: Readonly<Record<string, TfDocument>>;
  /** Keys of the env files that a function cannot have (reserved by Lambda, or not a valid name). */
  readonly skippedEnv: readonly string[];
}

/** Names Lambda reserves (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html). */
const reserved =
  /^(AWS_.*|_HANDLER|_X_AMZN_TRACE_ID|LAMBDA_TASK_ROOT|LAMBDA_RUNTIME_DIR|TESSERA_STAGE|TESSERA_RESULTS_BUCKET)$/;
const validKey = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * The Terraform configuration (JSON syntax) of a project's stage on AWS: `main.tf.json` (provider,
 * `region` variable, outputs), `iam.tf.json`, `lambda.tf.json` and `api.tf.json`.
 *
 * @example
 * const { files } = terraformFiles({ project: "shop", stage: "prod", routes, functions, env, region: "eu-west-1" });
 */
export function terraformFiles(input: TerraformInput): TerraformFiles {
  if (input.routes.length === 0)
    throw new TesseraError("TESSERA_CONFIG", `no route in stage ${input.stage}: nothing to deploy`);
  const prefix = awsName([input.project, input.stage], 40);
  const functions: FunctionSpec[] = input.functions.map((f) => ({
    ...f,
    functionName: awsName([input.project, input.stage, f.service], 64),
  }));
  const missing = [...new Set(input.routes.map((r) => r.service))].filter(
    (s) => !functions.some((f) => f.service === s),
  );
  if (missing.length > 0)
    throw new TesseraError("TESSERA_CONFIG", `no function was built for ${missing.join(", ")}`);

  const env: Record<string, string> = {};
  const skippedEnv: string[] = [];
  for (const [key, value] of Object.entries(input.env)) {
    if (reserved.test(key) || !validKey.test(key)) skippedEnv.push(key);
    else env[key] = value;
  }

  const main: TfDocument = {
    terraform: {
      required_version: ">= 1.5",
      required_providers: { aws: { source: "hashicorp/aws", version: ">= 5.0" } },
    },
    provider: {
      aws: {
        region: ref("var.region"),
        default_tags: { tags: { project: input.project, stage: input.stage, "managed-by": "tesserae" } },
      },
    },
    variable: { region: { type: "string", default: input.region, description: "AWS region of the stage" } },
    output: {
      url: { value: ref("aws_api_gateway_stage.stage.invoke_url"), description: "Base URL of the API" },
      results_bucket: {
        value: ref("aws_s3_bucket.results.bucket"),
        description: "Where asynchronous invocations store their responses",
      },
      functions: {
        value: Object.fromEntries(
          functions.map((f) => [f.service, ref(`aws_lambda_function.${tfId(f.service)}.function_name`)]),
        ),
      },
    },
  };
  const fn = {
    prefix,
    stage: input.stage,
    functions,
    env,
    memorySize: input.memorySize ?? 256,
    timeout: input.timeout ?? 30,
    architecture: input.architecture ?? "arm64",
    logRetentionDays: input.logRetentionDays ?? 14,
  } as const;
  return {
    files: {
      "main.tf.json": main,
      "iam.tf.json": iamDocument(fn),
      "lambda.tf.json": functionsDocument(fn),
      "api.tf.json": restApiDocument({
        name: prefix,
        stage: input.stage,
        routes: input.routes,
        cors: input.cors ?? false,
      }),
    },
    skippedEnv: skippedEnv.sort(),
  };
}
