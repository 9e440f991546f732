import { createNode } from "tesserae";
import { fileResultStore, lambdaHandler, s3ResultStore } from "tesserae/lambda";
import { memoryTransport } from "tesserae/memory";
import { pipeline, text } from "../text/services.js";

// What `tesserae build --target lambda` generates for each service, written by hand: one handler for
// API Gateway (REST and HTTP APIs), ALB, authorizer and asynchronous events. `tesserae deploy` sets
// TESSERA_STAGE and TESSERA_RESULTS_BUCKET in the function's environment.
export const handler = lambdaHandler({
  // Created on the first event, not at import: the cold start pays only for what that event needs.
  node: () =>
    createNode({
      services: [text, pipeline],
      transport: memoryTransport(),
      stage: process.env.TESSERA_STAGE || "dev",
    }),
  gateway: { bodyLimit: 256 * 1024, requestTimeout: 25_000 },
  // Where asynchronous invocations store their answers: S3 on AWS, else a folder (on Lambda, only
  // /tmp is writable).
  results: () => {
    const bucket = process.env.TESSERA_RESULTS_BUCKET;
    if (!bucket) return fileResultStore({ dir: process.env.TESSERA_RESULTS_DIR || "/tmp/tesserae-results" });
    // The client is injected (the Lambda runtime has the AWS SDK; Tesserae does not depend on it).
    const sdk = "@aws-sdk/client-s3";
    return s3ResultStore({ bucket, client: async () => new (await import(sdk)).S3({}) });
  },
});
