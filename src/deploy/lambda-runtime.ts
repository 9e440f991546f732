// What runs inside a bundle of `tesserae build --target lambda`: the project's services, composed
// with the in-memory bus and a result store chosen by the environment. This is composition (like the
// CLI's), so it may name adapters.
import { fileResultStore } from "../adapters/lambda/file-result-store.js";
import { type LambdaHandler, lambdaHandler } from "../adapters/lambda/lambda-handler.js";
import type { ResultStore } from "../adapters/lambda/result-store.js";
import { type S3ObjectClient, s3ResultStore } from "../adapters/lambda/s3-result-store.js";
import { memoryTransport } from "../adapters/memory/memory-transport.js";
import { createLogger } from "../core/logger.js";
import { createNode } from "../core/node.js";
import type { Authorizer, ServiceDef } from "../core/service.js";
import type { GatewayOptions } from "../features/gateway/gateway.js";

/** The gateway settings of a project file, as far as a Lambda function uses them. */
interface GatewaySettings {
  readonly bodyLimit?: number;
  readonly requestTimeout?: number;
  readonly cors?: GatewayOptions["cors"];
  readonly authorize?: Authorizer;
}

/** The part of a project file (`tesserae.config.ts`) that a function reads. */
export interface LambdaProjectConfig {
  readonly name?: string;
  readonly services: readonly unknown[];
  readonly gateway?: GatewaySettings;
  readonly stages?: Readonly<Record<string, { readonly gateway?: GatewaySettings } | undefined>>;
  readonly openapi?: GatewayOptions["openapi"];
}

export interface ProjectLambdaOptions {
  /** The default export of the project file. */
  readonly config: LambdaProjectConfig;
  /** The modules the project file names in `services` (imported by the generated entry). */
  readonly modules?: readonly Record<string, unknown>[];
  /** The service this function is deployed for (its routes are the ones API Gateway sends). */
  readonly service: string;
  /** The names of the project's services, to pick among what the modules export (default: all of them). */
  readonly services?: readonly string[];
  /** Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function isService(value: unknown): value is ServiceDef {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "service";
}

/** `TESSERA_RESULTS_BUCKET` → S3 (the runtime's AWS SDK, loaded on first use); else a folder (`TESSERA_RESULTS_DIR`, default /tmp). */
export function resultStoreFromEnv(env: Readonly<Record<string, string | undefined>>): ResultStore {
  const bucket = env.TESSERA_RESULTS_BUCKET;
  if (bucket !== undefined && bucket !== "") {
    return s3ResultStore({
      bucket,
      ...(env.TESSERA_RESULTS_PREFIX === undefined ? {} : { prefix: env.TESSERA_RESULTS_PREFIX }),
      client: async () => {
        // Not a dependency of Tesserae: the Lambda Node.js runtime provides the AWS SDK v3.
        const sdk = "@aws-sdk/client-s3";
        const { S3 } = (await import(sdk)) as { S3: new (config: object) => S3ObjectClient };
        return new S3({});
      },
    });
  }
  return fileResultStore({ dir: env.TESSERA_RESULTS_DIR ?? "/tmp/tesserae-results" });
}

function gatewayOptions(config: LambdaProjectConfig, stage: string): GatewayOptions {
  const g: GatewaySettings = { ...config.gateway, ...config.stages?.[stage]?.gateway };
  const out: { -readonly [K in keyof GatewayOptions]: GatewayOptions[K] } = {};
  if (g.bodyLimit !== undefined) out.bodyLimit = g.bodyLimit;
  if (g.requestTimeout !== undefined) out.requestTimeout = g.requestTimeout;
  if (g.cors !== undefined) out.cors = g.cors;
  if (g.authorize !== undefined) out.authorize = g.authorize;
  if (config.openapi !== undefined) out.openapi = config.openapi;
  return out;
}

/**
 * The handler of one service's function: every service of the project is hosted (typed calls stay
 * in-process), in the stage `TESSERA_STAGE` (default `dev`), on the in-memory bus.
 *
 * @example
 * // the entry `tesserae build --target lambda` generates
 * import config from "./tesserae.config.ts";
 * export const handler = projectLambda({ config, service: "text" });
 */
export function projectLambda(options: ProjectLambdaOptions): LambdaHandler {
  const env = options.env ?? process.env;
  const stage = env.TESSERA_STAGE || "dev";
  const services: ServiceDef[] = [];
  for (const item of [...options.config.services, ...(options.modules ?? []).flatMap(Object.values)]) {
    if (!isService(item) || services.includes(item)) continue;
    if (options.services === undefined || options.services.includes(item.name)) services.push(item);
  }
  return lambdaHandler({
    node: () =>
      createNode({
        services,
        transport: memoryTransport(),
        stage,
        env,
        logger: createLogger({ bindings: { function: options.service } }),
      }),
    gateway: gatewayOptions(options.config, stage),
    results: () => resultStoreFromEnv(env),
  });
}
