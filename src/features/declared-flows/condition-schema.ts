import { z } from "zod";
import { type Condition, outcomes } from "./definition.js";
import { isRecord, messages } from "./field-errors.js";
import { forwardIssues, machineryErrorMap } from "./field-errors-of.js";

const ops = ["equals", "notEquals", "gt", "gte", "lt", "lte", "exists"] as const;

/** `{ "outcome": "<step>", "is": … }`: how an earlier call or wait ended. */
const outcomeCondition = z.strictObject({
  outcome: z.string(),
  is: z.enum(outcomes, { error: `Must be one of: ${outcomes.join(", ")}.` }),
});

/** `{ "field": "<path>", "<op>": … }`: one test of a data field. */
const fieldCondition = z
  .strictObject({
    field: z.string(),
    equals: z.unknown().optional(),
    notEquals: z.unknown().optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    exists: z.boolean().optional(),
  })
  .superRefine(
    (c, ctx) => {
      if (ops.filter((o) => o in c).length !== 1)
        ctx.addIssue({ code: "custom", message: `Give one test of: ${ops.join(", ")}.`, path: [] });
    },
    { when: (payload) => isRecord(payload.value) },
  );

/**
 * What a choice tests: a data field, or how an earlier step ended — told apart by an `outcome` key.
 * The form is chosen on that key (a union would try both and blame the wrong one), then read whole.
 *
 * @example
 * conditionSchema.parse({ field: "total", gt: 100 });
 */
export const conditionSchema = z
  .custom<Record<string, unknown>>(isRecord, {
    error: (iss) => (iss.input === undefined ? messages.missing : messages.mapping),
    abort: false,
  })
  .transform((c, ctx): Condition => {
    const read = ("outcome" in c ? outcomeCondition : fieldCondition).safeParse(c, {
      error: machineryErrorMap,
    });
    if (!read.success) {
      forwardIssues(ctx, read.error.issues);
      return z.NEVER;
    }
    const v = read.data;
    if ("outcome" in v) return { outcome: v.outcome, is: v.is };
    const op = ops.find((o) => o in v)!;
    return { field: v.field, [op]: v[op] } as Condition;
  });
