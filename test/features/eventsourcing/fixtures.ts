import { z } from "zod";
import { aggregate, type DomainEvent, projection } from "../../../src/features/eventsourcing/index.js";
import { TesseraError } from "../../../src/index.js";

/** A small counter aggregate for the feature tests. */
export interface Counter {
  readonly name: string;
  readonly count: number;
  readonly tags: readonly string[];
}

export type CounterEvent =
  | DomainEvent<"named", { readonly name: string }>
  | DomainEvent<"added", { readonly by: number }>
  | DomainEvent<"tagged", { readonly tag: string }>;

export const counterOptions = {
  initial: (): Counter => ({ name: "", count: 0, tags: [] }),
  evolve(s: Counter, e: CounterEvent): Counter {
    switch (e.type) {
      case "named":
        return { ...s, name: e.data.name };
      case "added":
        return { ...s, count: s.count + e.data.by };
      case "tagged":
        return { ...s, tags: [...s.tags, e.data.tag] };
    }
  },
  schemas: { added: z.object({ by: z.number().int() }) },
};

export const counter = aggregate("counter", counterOptions);

export const add = (by: number) => (): CounterEvent => ({ type: "added", data: { by } });

export const addAtMost =
  (by: number, max: number) =>
  (s: Counter): CounterEvent => {
    if (s.count + by > max) throw TesseraError.conflict(`over ${max}`);
    return { type: "added", data: { by } };
  };

/** Totals per counter, as a read model. */
export function totals(mode: "inline" | "async", name = `totals-${mode}`, prefetch = false) {
  return projection({
    name,
    mode,
    from: counter,
    collections: [name],
    ...(prefetch ? { prefetch: (e: { aggregateId: string }) => [name, e.aggregateId] as const } : {}),
    async handle(e, docs) {
      const doc = (await docs.get<{ count: number; events: number }>(name, e.aggregateId)) ?? {
        count: 0,
        events: 0,
      };
      if (e.type === "$deleted") return docs.delete(name, e.aggregateId);
      const by = e.type === "added" ? e.data.by : 0;
      await docs.put(name, e.aggregateId, { count: doc.count + by, events: doc.events + 1 });
    },
  });
}
