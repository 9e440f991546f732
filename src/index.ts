// The root of the public API: what a tech-service author needs to declare services, run them on a
// node and serve them over HTTP. Each feature has its own subpath (`tesserae/flows`,
// `tesserae/eventsourcing`, `tesserae/jwt`, …) and each adapter too (`tesserae/memory`, …), so that
// importing the root loads no driver, no JWT library and no feature a service does not use.
// `test/api/public-api.test.ts` lists every entry point's exports: a change here is deliberate.
export {
  type CommandContext,
  defineConfig,
  type ProjectConfig,
} from "./config/project-config.js";
export { type Codec, jsonCodec, richJsonCodec } from "./core/codec.js";
export {
  type ConfigKey,
  type ConfigModel,
  type ConfigShape,
  type ConfigValues,
  configModel,
} from "./core/config.js";
export type {
  CallArgs,
  CallOptions,
  Context,
  Entry,
  EntryOptions,
  EntryRef,
  Handler,
  HttpVerb,
  Invocation,
  Middleware,
} from "./core/context.js";
export { entry } from "./core/entry.js";
export { type ErrorCode, errorCatalogue } from "./core/error-codes.js";
export { type ErrorBody, hasCode, TesseraError } from "./core/errors.js";
export { type EventDef, event } from "./core/event.js";
export type { Identity } from "./core/identity.js";
export { createLogger, type Logger, type LoggerOptions, type LogLevel, silentLogger } from "./core/logger.js";
export { createNode, type NodeOptions, type NodePlugin, TesseraNode } from "./core/node.js";
export type { Readiness, Topology } from "./core/node-introspection.js";
export type { BreakerPolicy, BulkheadPolicy, CallPolicies, RetryPolicy } from "./core/policies.js";
export type { ReadinessCheck } from "./core/readiness-probe.js";
export type { RootCallOptions } from "./core/root-call.js";
export type { InferIn, InferOut, Schema, ValidationIssue } from "./core/schema.js";
export {
  type Authorizer,
  type AuthRequest,
  type ServiceDef,
  type ServiceOptions,
  service,
} from "./core/service.js";
export { type SubscribeOptions, type Subscription, subscribe } from "./core/subscription.js";
export type { TraceContext } from "./core/trace-context.js";
export type { Transport } from "./core/transport.js";
export type { TransportMessage } from "./core/transport-message.js";
export type { ServiceUse, UseKey } from "./core/uses.js";
export { Decimal, type DecimalOptions, decimal } from "./features/decimal/decimal.js";
export { createGateway, type GatewayOptions } from "./features/gateway/gateway.js";
export { Reply, reply } from "./features/gateway/reply.js";
export { type RunningServer, type ServeOptions, serve } from "./features/gateway/server.js";
export { type LifecycleHooks, lifecycle, type SetupHooks } from "./features/lifecycle/lifecycle.js";
export { type LifecyclePluginOptions, lifecycleHooks } from "./features/lifecycle/lifecycle-plugin.js";
