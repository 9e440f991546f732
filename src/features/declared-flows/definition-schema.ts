import { z } from "zod";
import { type FlowRetention, retentionProblems } from "../flows/retention-option.js";
import type { FlowDefinition } from "./definition.js";
import { isRecord, messages } from "./field-errors.js";
import { fieldSpecsSchema } from "./field-specs-schema.js";
import { settleStepIds } from "./step-ids.js";
import { stepListSchema, stepSchema } from "./step-schema.js";

export const flowNamePattern = /^[A-Za-z][\w-]{0,99}$/;
const nameMessage = 'Must be up to 100 letters, digits, "_" or "-", starting with a letter (and not "runs").';
/** The message of a definition that gives machinery's `services` and `steps` both. */
export const bothFormsMessage = 'Give "services" or "steps", not both.';

const positive = z.number().int().min(1);

/** A flow's own budget (the engine's, or the defaults, otherwise): see the Durable flows section. */
const budgetSchema = z.strictObject({
  stepsPerActivation: positive.optional(),
  journalEntries: positive.optional(),
  takeovers: positive.optional(),
});

/**
 * How long a flow's finished runs (its events) are kept: `false`, or `{ "maxAge": "30d", "maxRuns": 1000 }`
 * (issue 19); each problem under its field, as the other fields' are.
 */
const retentionSchema = z.unknown().superRefine((v, ctx) => {
  for (const p of retentionProblems(v))
    ctx.addIssue({
      code: "custom",
      message: `${p.message[0]!.toUpperCase()}${p.message.slice(1)}.`,
      path: p.path,
    });
});

const withoutUndefined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };

const definitionShape = {
  name: z
    .string()
    .regex(flowNamePattern, nameMessage)
    .refine((n) => n !== "runs", nameMessage),
  description: z.string().optional(),
  inputs: fieldSpecsSchema.optional(),
  outputs: fieldSpecsSchema.optional(),
  services: z
    .array(z.string().refine((s) => s !== "", messages.string))
    .refine((list) => list.length > 0, "Give at least one service.")
    .optional(),
  steps: stepListSchema(stepSchema).optional(),
  budget: budgetSchema.optional(),
  retention: retentionSchema.optional(),
};

/** The top-level fields of a definition (any other is unknown: refused, or on machinery's `/w` ignored). */
export const definitionKeys: readonly string[] = Object.keys(definitionShape);

/**
 * A submitted definition: `steps`, or machinery's `services` (names of services called in order,
 * the same as one call step each). The result has every step's id settled.
 *
 * @example
 * definitionSchema.parse({ name: "shout", services: ["upper"], inputs: [{ name: "message", type: "string" }] });
 */
export const definitionSchema = z
  .strictObject(definitionShape, {
    error: (iss) => (iss.code === "invalid_type" ? "Invalid input type." : undefined),
  })
  .superRefine(
    (doc, ctx) => {
      const { services, steps } = doc as Record<string, unknown>;
      if (services !== undefined && steps !== undefined)
        ctx.addIssue({ code: "custom", message: bothFormsMessage, path: ["services"] });
      else if (steps === undefined && services === undefined)
        ctx.addIssue({ code: "custom", message: messages.missing, path: ["services"] });
      else if (Array.isArray(steps))
        for (const d of settleStepIds(steps, ["steps"]).duplicates)
          ctx.addIssue({ code: "custom", message: `Duplicate step id "${d.id}".`, path: [...d.path] });
    },
    { when: (payload) => isRecord(payload.value) },
  )
  .transform(
    ({ name, description, inputs, outputs, services, steps, budget, retention }): FlowDefinition => ({
      name,
      ...(description === undefined ? {} : { description }),
      ...(budget === undefined ? {} : { budget: withoutUndefined(budget) }),
      ...(retention === undefined ? {} : { retention: retention as FlowRetention }),
      inputs: inputs ?? [],
      outputs: outputs ?? [],
      steps: settleStepIds(
        services?.map((service) => ({ type: "call", service })) ?? steps ?? [],
        services === undefined ? ["steps"] : ["services"],
      ).steps,
    }),
  );
