export type {
  FlowStore,
  JournalEntry,
  RunRecord,
  RunStatus,
  SignalRecord,
} from "../../ports/flow-store.js";
export type { FlowBudget } from "./budget.js";
export type { CallInvoker } from "./call-effect.js";
export type { CallbackPolicy } from "./callback.js";
export type { Duration } from "./duration.js";
export type { EgressSettings, ResolvedAddress, Resolver } from "./egress-policy.js";
export { createFlowEngine, FlowEngine, type FlowEngineOptions } from "./engine.js";
export { type FlowBody, type FlowDef, type FlowOptions, flow } from "./flow.js";
export type {
  AsyncCall,
  CallCompensation,
  CallOutcome,
  FlowCallOptions,
  FlowContext,
  StepInfo,
  StepOptions,
  WaitOptions,
} from "./flow-context.js";
export { flowsService } from "./flows-service.js";
export type { HistoryItem, RunView } from "./run-view.js";
export { type SignalDef, signal } from "./signal.js";
export { originOf, type StartOptions } from "./start-options.js";
export { type CronTrigger, cron, type EventTrigger, onEvent, type Trigger } from "./triggers.js";
