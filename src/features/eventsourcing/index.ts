export type {
  DocumentOrder,
  DocumentWhere,
  FieldCondition,
  FieldConditions,
  JsonScalar,
} from "../../ports/document-query.js";
export type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventStoreTransaction,
  EventSubscription,
  ExpectedVersion,
  FindDocumentsOptions,
  NewEvent,
  RecordedEvent,
  Snapshot,
  StoredEvent,
  Upcaster,
} from "../../ports/event-store.js";
export type { LeaseGrant } from "../../ports/lease.js";
export type { SqlDialect, SqlStatements } from "../../ports/sql-statements.js";
export {
  type AggregateDef,
  type AggregateOptions,
  aggregate,
  DELETED,
  type DeletedEvent,
  type PublishMode,
} from "./aggregate.js";
export { type CommandResult, command } from "./command.js";
export type {
  CreatedPayload,
  DeletedPayload,
  DomainEvent,
  EventPayload,
  UpdatedPayload,
} from "./domain-event.js";
export type { Entity } from "./entity.js";
export {
  EventSourcing,
  type EventSourcingOptions,
  eventSourcing,
  type PublishHost,
} from "./event-sourcing.js";
export { OutboxRelay, type OutboxRelayOptions } from "./outbox-relay.js";
export {
  type Documents,
  type ProjectedEvent,
  type ProjectionDef,
  type ProjectionOptions,
  projection,
} from "./projection.js";
export type { ProjectionLeaseOptions } from "./projection-lease.js";
export type { ProjectionTables, Sql, SqlText } from "./projection-sql.js";
export { type Ref, type Reference, reference } from "./reference.js";
export { type Decide, Repository, type WriteOptions } from "./repository.js";
