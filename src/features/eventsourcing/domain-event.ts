/** A domain event as the model sees it: a type and readonly data. */
export interface DomainEvent<T extends string = string, D = unknown> {
  readonly type: T;
  readonly data: D;
}

/** Payload of a published `{Aggregate}{Type}` event. `eventId` is stable: deduplicate on it. */
export interface EventPayload<E extends DomainEvent = DomainEvent> {
  readonly eventId: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly type: E["type"];
  readonly data: E["data"];
  readonly at: string;
}

interface LifecycleBase {
  readonly eventId: string;
  readonly aggregateId: string;
  readonly version: number;
  readonly at: string;
}
/** `{Aggregate}Created`: the whole state after the first command. */
export interface CreatedPayload<S> extends LifecycleBase {
  readonly changes: S;
}
/** `{Aggregate}Updated`: the top-level fields that changed (a removed field is `null`). */
export interface UpdatedPayload<S> extends LifecycleBase {
  readonly changes: { readonly [K in keyof S]?: S[K] | null };
}
export type DeletedPayload = LifecycleBase;
