// The options of projection(): a projection given `mode: "sync"`, `from: "account"` (a name, not
// the aggregate), `collections: "accounts"` or a misspelt key (`batchsize`) used to be accepted and
// failed at its first event or rebuild, or silently ran with the defaults. They are now refused
// when declared, as TESSERA_DEFINITION naming the option (see features/definition-options.ts).
import { z } from "zod";
import { fnOption, kindOption } from "../definition-options.js";

const sqlText = z.union([
  z.string().min(1),
  z.strictObject({ sqlite: z.string().min(1), postgres: z.string().min(1) }),
]);

const aggregateOption = kindOption("aggregate", "an aggregate: declare it with aggregate(...)");

/** The options of `projection(options)`. */
export const projectionOptionsSchema = z.strictObject({
  name: z.string().min(1),
  mode: z.enum(["inline", "async"]).optional(),
  from: z.union([aggregateOption, z.array(aggregateOption).min(1)]),
  batchSize: z.number().int().min(1).optional(),
  prefetch: fnOption.optional(),
  collections: z.array(z.string().min(1)).optional(),
  tables: z.strictObject({ migrations: z.array(sqlText).min(1), reset: z.array(sqlText) }).optional(),
  handle: fnOption,
});
