// `tesserae/lambda`: every tech service as an AWS Lambda function behind API Gateway or an ALB.
export type {
  AsyncEvent,
  AsyncRequest,
  ResultEvent,
} from "./async-invocation.js";
export { UNAUTHORIZED } from "./authorizer.js";
export { FileResultStore, type FileResultStoreOptions, fileResultStore } from "./file-result-store.js";
export type {
  AlbEvent,
  ApiGatewayV1Event,
  ApiGatewayV2Event,
  AuthorizerEvent,
  AuthorizerResult,
  LambdaContext,
  LambdaHttpResult,
  RequestAuthorizerEvent,
  TokenAuthorizerEvent,
} from "./lambda-events.js";
export { type LambdaError, type LambdaHandler, type LambdaOptions, lambdaHandler } from "./lambda-handler.js";
export { checkResultKey, type ResultStore, type StoredResult } from "./result-store.js";
export {
  type S3ObjectClient,
  S3ResultStore,
  type S3ResultStoreOptions,
  s3ResultStore,
} from "./s3-result-store.js";
