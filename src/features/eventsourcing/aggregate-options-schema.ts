// The options of aggregate(): an aggregate given no `evolve` (or an `initial` that is not a
// function) used to be accepted, and its first `repository.create` failed with a TypeError.
import { z } from "zod";
import { fnOption, schemaOption } from "../definition-options.js";

/** The options of `aggregate(name, options)`, checked when the aggregate is declared. */
export const aggregateOptionsSchema = z.strictObject({
  initial: fnOption,
  evolve: fnOption,
  schemas: z.record(z.string(), schemaOption).optional(),
  snapshots: z
    .strictObject({
      every: z.number().int().min(1).optional(),
      version: z.number().int().min(0).optional(),
    })
    .optional(),
  schemaVersion: z.number().int().min(1).optional(),
  eventSchemaVersions: z.record(z.string(), z.number().int().min(1)).optional(),
  publish: z.enum(["all", "lifecycle", "events", "none"]).optional(),
  durable: z.boolean().optional(),
});
