// The options of flow() and createFlowEngine() as zod schemas: a flow given `triggers: cron(…)`
// instead of a list, or `null` for options, used to fail with a TypeError from inside, and an
// engine of concurrency 0 or a negative lease started and never ran a run. Both are now refused
// when declared, as TESSERA_DEFINITION naming the option (see features/definition-options.ts).
import { z } from "zod";
import { fnOption, kindOption, schemaOption } from "../definition-options.js";
import { MAX_DURATION_MS } from "./duration.js";
import { retentionProblems } from "./retention-option.js";

const positiveInt = z.number().int().min(1);
const budget = z.strictObject({
  stepsPerActivation: positiveInt.optional(),
  journalEntries: positiveInt.optional(),
  takeovers: positiveInt.optional(),
});
// A delay past 365 days (MAX_DURATION_MS) used to be accepted and gave a due time no Date can hold.
const delayMs = z.number().min(0).max(MAX_DURATION_MS);
const retry = z.strictObject({
  attempts: positiveInt,
  baseDelayMs: delayMs.optional(),
  maxDelayMs: delayMs.optional(),
  factor: z.number().min(1).optional(),
  on: z.array(z.string().startsWith("TESSERA_")).optional(),
});

// How long finished runs are kept (issue 19): false, or a positive duration and/or a number of runs.
// Checked by hand (retentionProblems): a zod union said only "Invalid input" for a misspelt duration.
const retention = z.unknown().superRefine((v, ctx) => {
  for (const p of retentionProblems(v)) ctx.addIssue({ code: "custom", message: p.message, path: p.path });
});

/** The options of `flow(name, options, body)`. */
export const flowOptionsSchema = z.strictObject({
  input: schemaOption.optional(),
  output: schemaOption.optional(),
  version: z.string().min(1).optional(),
  compatibleWith: z.array(z.string()).optional(),
  signals: z.array(kindOption("signal", "a signal: declare it with signal(...)")).optional(),
  events: z.array(kindOption("event", "an event: declare it with event(...)")).optional(),
  triggers: z.array(kindOption(["cron", "event"], "a trigger: cron(...) or onEvent(...)")).optional(),
  retry: retry.optional(),
  budget: budget.optional(),
  retention: retention.optional(),
  description: z.string().optional(),
});

/** The options of `createFlowEngine(options)`. */
export const engineOptionsSchema = z.strictObject({
  store: z.custom<object>((v) => typeof v === "object" && v !== null, { error: "must be a flow store" }),
  flows: z.array(kindOption("flow", "a flow: declare it with flow(...)")),
  workerId: z.string().min(1).optional(),
  concurrency: positiveInt.optional(),
  leaseMs: z.number().positive().optional(),
  renewMs: z.number().positive().optional(),
  pollMs: z.number().positive().optional(),
  claimBatch: positiveInt.optional(),
  stopGraceMs: z.number().min(0).optional(),
  budget: budget.optional(),
  inlineSleepMs: z.number().min(0).optional(),
  commitConcurrency: positiveInt.optional(),
  syncWaitMs: z.number().min(0).optional(),
  retentionMs: z.number().int().positive().optional(),
  retentionRuns: positiveInt.optional(),
  pruneEveryMs: z.number().min(0).optional(),
  now: fnOption.optional(),
  logger: z
    .custom<object>((v) => typeof v === "object" && v !== null, { error: "must be a logger" })
    .optional(),
  closeStore: z.boolean().optional(),
  callbacks: z
    .strictObject({
      attempts: positiveInt.optional(),
      delayMs: z.number().min(0).optional(),
      factor: z.number().min(1).optional(),
    })
    .optional(),
  // Its fields are checked by egressPolicy() (TESSERA_CONFIG listing every problem).
  egress: z
    .custom<object>((v) => typeof v === "object" && v !== null, { error: "must be an object" })
    .optional(),
});
