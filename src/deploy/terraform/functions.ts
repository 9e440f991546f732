import { addResource, awsName, literal, ref, type TfDocument, tfId } from "./tf-json.js";

/** One service's function. */
export interface FunctionSpec {
  readonly service: string;
  /** Its name in AWS. */
  readonly functionName: string;
  /** The zip, as a path relative to the Terraform folder. */
  readonly zip: string;
  /** Base64 SHA-256 of the zip. */
  readonly sha256: string;
}

export interface FunctionsInput {
  /** `<project>-<stage>`, the start of every AWS name. */
  readonly prefix: string;
  readonly stage: string;
  readonly functions: readonly FunctionSpec[];
  /** The execution settings of the stage (`.env`, then `.env.<stage>`), already checked. */
  readonly env: Readonly<Record<string, string>>;
  readonly memorySize: number;
  /** Seconds. */
  readonly timeout: number;
  readonly architecture: "arm64" | "x86_64";
  readonly logRetentionDays: number;
}

/**
 * The functions of a stage (`lambda.tf.json`): one per service (Node.js 20, `index.handler`), its
 * log group (created first, so that Lambda does not make one without retention), the permission
 * for the REST API to invoke it (routes and authorizer), and the bucket of asynchronous results
 * (private, emptied on destroy).
 */
export function functionsDocument(input: FunctionsInput): TfDocument {
  const doc: TfDocument = {};
  addResource(doc, "aws_s3_bucket", "results", {
    bucket_prefix: `${awsName([input.prefix, "results"], 36)}-`,
    force_destroy: true,
  });
  addResource(doc, "aws_s3_bucket_public_access_block", "results", {
    bucket: ref("aws_s3_bucket.results.id"),
    block_public_acls: true,
    block_public_policy: true,
    ignore_public_acls: true,
    restrict_public_buckets: true,
  });
  const variables: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.env)) variables[key] = literal(value);
  variables.TESSERA_STAGE = input.stage;
  variables.TESSERA_RESULTS_BUCKET = ref("aws_s3_bucket.results.bucket");
  for (const f of input.functions) {
    const id = tfId(f.service);
    addResource(doc, "aws_cloudwatch_log_group", id, {
      name: `/aws/lambda/${f.functionName}`,
      retention_in_days: input.logRetentionDays,
    });
    addResource(doc, "aws_lambda_function", id, {
      function_name: f.functionName,
      description: `Tesserae service ${f.service} (${input.stage})`,
      role: ref("aws_iam_role.lambda.arn"),
      runtime: "nodejs20.x",
      handler: "index.handler",
      architectures: [input.architecture],
      memory_size: input.memorySize,
      timeout: input.timeout,
      filename: `${ref("path.module")}/${f.zip}`,
      source_code_hash: f.sha256,
      environment: { variables },
      depends_on: [`aws_cloudwatch_log_group.${id}`, "aws_iam_role_policy.lambda"],
    });
    addResource(doc, "aws_lambda_permission", id, {
      statement_id: "AllowApiGatewayInvoke",
      action: "lambda:InvokeFunction",
      function_name: ref(`aws_lambda_function.${id}.function_name`),
      principal: "apigateway.amazonaws.com",
      // Methods (<api>/<stage>/<verb>/<path>) and authorizers (<api>/authorizers/<id>).
      source_arn: `${ref("aws_api_gateway_rest_api.api.execution_arn")}/*`,
    });
  }
  return doc;
}

/** The role of the functions (`iam.tf.json`): write their own logs, read and write the results bucket. */
export function iamDocument(input: Pick<FunctionsInput, "prefix" | "functions">): TfDocument {
  const doc: TfDocument = {};
  addResource(doc, "aws_iam_role", "lambda", {
    name: awsName([input.prefix, "lambda"], 64),
    assume_role_policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
      ],
    }),
  });
  const logs = input.functions.map((f) => `${ref(`aws_cloudwatch_log_group.${tfId(f.service)}.arn`)}:*`);
  addResource(doc, "aws_iam_role_policy", "lambda", {
    name: "tesserae-functions",
    role: ref("aws_iam_role.lambda.id"),
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: logs },
        {
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject"],
          Resource: `${ref("aws_s3_bucket.results.arn")}/*`,
        },
      ],
    }),
  });
  return doc;
}
