// The options of eventSourcing() and the argument of reference(): a runtime given `projection`
// (singular), a projection that is not one, or an outbox `batch` of 0 used to be accepted (the
// projection never ran, the relay never published); reference(customers) (the service, not its
// entry) failed at the first resolve. They are now refused when declared, as TESSERA_DEFINITION
// naming the option (see features/definition-options.ts).
import { z } from "zod";
import { kindOption } from "../definition-options.js";

const anObject = (what: string) =>
  z.custom<object>((v) => typeof v === "object" && v !== null, { error: `must be ${what}` });

/** The options of `eventSourcing(options)`. */
export const eventSourcingOptionsSchema = z.strictObject({
  store: anObject("an event store"),
  projections: z.array(kindOption("projection", "a projection: declare it with projection(...)")).optional(),
  outbox: z
    .strictObject({
      batch: z.number().int().min(1).optional(),
      leaseMs: z.number().positive().optional(),
      pollMs: z.number().positive().optional(),
      maxBackoffMs: z.number().positive().optional(),
    })
    .optional(),
  projectionLease: z
    .strictObject({
      leaseMs: z.number().positive().optional(),
      renewMs: z.number().positive().optional(),
      pollMs: z.number().positive().optional(),
    })
    .optional(),
  logger: anObject("a logger").optional(),
  closeStore: z.boolean().optional(),
});

/** The argument of `reference(read)`: an entry bound to its service (`customers.entries.get`). */
export const referenceReadSchema = z.custom<object>(
  (v) => typeof v === "object" && v !== null && typeof (v as { id?: unknown }).id === "string",
  { error: "must be an entry of a service (e.g. customers.entries.getCustomer)" },
);
