// The curated public API of Tesserae. Adapters live behind subpath exports (`tesserae/memory`, …).
export type {
  CommandConfig,
  CommandContext,
  CommandFunction,
  CommandOption,
  GatewaySettings,
  OptionValue,
  ProjectConfig,
  StageSettings,
} from "./config/project-config.js";
export { defineConfig } from "./config/project-config.js";
export type { Codec } from "./core/codec.js";
export { jsonCodec, richJsonCodec } from "./core/codec.js";
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
export type { Departure, NodeInfo, RegisteredNode } from "./core/endpoint-registry.js";
export { entry } from "./core/entry.js";
export { type ErrorCode, errorCatalogue } from "./core/error-codes.js";
export { type ErrorBody, hasCode, TesseraError } from "./core/errors.js";
export type { EventDef } from "./core/event.js";
export { event } from "./core/event.js";
export type { Identity } from "./core/identity.js";
export { createLogger, type Logger, type LoggerOptions, type LogLevel, silentLogger } from "./core/logger.js";
export { createNode, type NodeOptions, type NodePlugin, TesseraNode } from "./core/node.js";
export type { Readiness, Topology } from "./core/node-introspection.js";
export type { BreakerPolicy, BulkheadPolicy, CallPolicies, RetryPolicy } from "./core/policies.js";
export type { RootCallOptions } from "./core/root-call.js";
export { type Route, routeOf, routeTable } from "./core/routes.js";
export type { InferIn, InferOut, Schema, ValidationIssue } from "./core/schema.js";
export {
  type Authorizer,
  type AuthRequest,
  type ServiceDef,
  type ServiceOptions,
  service,
} from "./core/service.js";
export type { SubscribeOptions, Subscription } from "./core/subscription.js";
export { subscribe } from "./core/subscription.js";
export type { TraceContext } from "./core/trace-context.js";
export type { Transport } from "./core/transport.js";
export type { TransportMessage } from "./core/transport-message.js";
export type { ServiceUse, UseKey } from "./core/uses.js";
export {
  type Address,
  type Addresses,
  type ArgModel,
  type ArgShape,
  type ArgsIn,
  type ArgsOut,
  args,
  type ConnectionDef,
  type ConnectionsOptions,
  checkAddresses,
  connections,
  loadAddresses,
  type OptionalArg,
  optional,
  type Publisher,
  type PublishSubscribeDef,
  publisher,
  publishSubscribe,
  type Requester,
  type RequestReplyDef,
  replier,
  requester,
  requestReply,
  subscriber,
} from "./features/connections/index.js";
export {
  type CallStep,
  type ChoiceStep,
  type Condition,
  checkDefinition,
  createDeclaredFlows,
  DeclaredFlows,
  type DeclaredFlowsOptions,
  declaredFlowsService,
  type EventView,
  eventView,
  type FailStep,
  type FieldErrors,
  type FlowDefinition,
  machineryService,
  type Outcome,
  type ParallelStep,
  parseDefinition,
  type RegistryItem,
  type ServiceShape,
  type Source,
  type Step,
  type StepRetry,
  type SucceedStep,
  type WaitStep,
} from "./features/declared-flows/index.js";
export {
  codedGraph,
  declaredGraph,
  diagramsService,
  FlowDiagrams,
  type FlowGraph,
  type GraphEdge,
  type GraphNode,
  type NodeKind,
  type NodeState,
  toMermaid,
  toSvg,
} from "./features/diagrams/index.js";
export {
  type DiscoveryOptions,
  discovery,
  discoverySubjects,
  type ObserveOptions,
  observeNodes,
} from "./features/discovery/index.js";
export {
  type AggregateDef,
  type AggregateOptions,
  aggregate,
  type CommandResult,
  type CreatedPayload,
  command,
  DELETED,
  type Decide,
  type DeletedEvent,
  type DeletedPayload,
  type Documents,
  type DomainEvent,
  type Entity,
  type EventPayload,
  EventSourcing,
  type EventSourcingOptions,
  eventSourcing,
  MESSAGE_ID_HEADER,
  type ProjectedEvent,
  type ProjectionDef,
  type ProjectionOptions,
  type PublishHost,
  type PublishMode,
  projection,
  type Ref,
  type Reference,
  Repository,
  reference,
  type UpdatedPayload,
  type WriteOptions,
} from "./features/eventsourcing/index.js";
export {
  type AsyncCall,
  type CallOutcome,
  type CronTrigger,
  createFlowEngine,
  cron,
  type Duration,
  type EventTrigger,
  type FlowBody,
  type FlowCallOptions,
  type FlowContext,
  type FlowDef,
  FlowEngine,
  type FlowEngineOptions,
  type FlowOptions,
  flow,
  flowsService,
  type HistoryItem,
  onEvent,
  type RunView,
  type SignalDef,
  type StartOptions,
  type StepInfo,
  type StepOptions,
  signal,
  type Trigger,
  type WaitOptions,
} from "./features/flows/index.js";
export {
  type CorsOptions,
  createGateway,
  Gateway,
  type GatewayOptions,
  type GatewayRequest,
  type GatewayResponse,
  httpStatusOf,
  type JwksOptions,
  type JwtAlgorithm,
  type JwtClaims,
  type JwtOptions,
  type JwtPublicKey,
  type JwtRefusalReason,
  jwt,
  type OpenApiInfo,
  type RunningServer,
  type ServeOptions,
  serve,
} from "./features/gateway/index.js";
export { Reply, reply } from "./features/gateway/reply.js";
export {
  configArgs,
  MAIN_MODE,
  type MainLoop,
  type MainLoopOptions,
  type MainModeOptions,
  mainLoop,
  mainMode,
} from "./features/main-mode/index.js";
export {
  applyDelta,
  type Delta,
  type DeltaOutcome,
  type HoldOptions,
  type HoldsState,
  holds,
  type OwnsState,
  owns,
  type ReplicatedStatesOptions,
  replicatedStates,
  type StateChange,
  type StateCopy,
  type StateDef,
  type StateHandle,
  type StateMessage,
  type StateOptions,
  state,
} from "./features/states/index.js";
export type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventStoreTransaction,
  EventSubscription,
  ExpectedVersion,
  NewEvent,
  RecordedEvent,
  Snapshot,
  StoredEvent,
  Upcaster,
} from "./ports/event-store.js";
export type {
  FlowStore,
  JournalEntry,
  RunRecord,
  RunStatus,
  SignalRecord,
} from "./ports/flow-store.js";
