export type { ServiceShape } from "./check-definition.js";
export { createDeclaredFlows, DeclaredFlows, type DeclaredFlowsOptions } from "./declared-flows.js";
export { declaredFlowsService } from "./declared-flows-service.js";
export type {
  CallStep,
  ChoiceStep,
  Condition,
  FailStep,
  FlowDefinition,
  Outcome,
  ParallelStep,
  Source,
  Step,
  StepRetry,
  SucceedStep,
  WaitStep,
} from "./definition.js";
export type { EventView } from "./event-view.js";
export type { FieldErrors } from "./field-errors.js";
export { machineryService } from "./machinery-service.js";
export type { ManagementOptions } from "./management-auth.js";
export type { RegistryItem } from "./service-registry.js";
