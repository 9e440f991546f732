import { z } from "zod";
import { durationProblem, MAX_DURATION_MS, msOf } from "../flows/duration.js";
import { conditionSchema } from "./condition-schema.js";
import type {
  CallStep,
  ChoiceStep,
  FailStep,
  ParallelStep,
  Source,
  SucceedStep,
  WaitStep,
} from "./definition.js";
import { isRecord, messages } from "./field-errors.js";
import { fieldMapSchema } from "./field-map-schema.js";
import { fieldName, fieldSpecsSchema } from "./field-specs-schema.js";

export const stepTypes = ["call", "choice", "parallel", "wait", "succeed", "fail"] as const;
export const stepId = /^[A-Za-z][\w-]*$/;

type Draft<S> = Omit<S, "id"> & { readonly id?: string };
/** A step as read: its id, when given, not yet checked against the others' (see `settleStepIds`). */
export type DraftStep =
  | Draft<CallStep>
  | Draft<ChoiceStep>
  | (Draft<Omit<ParallelStep, "branches">> & { readonly branches: readonly (readonly DraftStep[])[] })
  | Draft<WaitStep>
  | Draft<SucceedStep>
  | Draft<FailStep>;

const always = { when: () => true };
const durationMessage = 'Not a valid duration: give milliseconds or "500ms", "10s", "5m", "2h", "1d".';
const tooLongMessage = 'Longer than the maximum of 365 days ("365d").';

/**
 * Milliseconds (finite, not negative), or a string `toMs` reads (`"500ms"`, `"10s"`, `"5m"`…), at
 * most 365 days: a longer one used to be accepted and its run broke the runs listing (500).
 */
export function isDuration(v: unknown): v is string | number {
  return durationProblem(v) === undefined;
}

// abort: false on every z.custom (its default is true): an aborting issue anywhere below stops the
// checks of the objects around it, and the document's duplicate ids would go unreported.
const duration = z.custom<string | number>(isDuration, {
  error: (iss) => ((msOf(iss.input) ?? 0) > MAX_DURATION_MS ? tooLongMessage : durationMessage),
  abort: false,
});
const id = z
  .string()
  .regex(stepId, 'Must be letters, digits, "_" or "-", starting with a letter.')
  .optional();
/** A data field a step sets (`into`, `catch.as`). */
const dataField = z.string().regex(fieldName, "Not a valid field name.");
const next = z.string().optional();

/** Where a step's input field comes from: a data path, or `{ "value": … }`. */
const source = z
  .custom<Source>(
    (s) =>
      (typeof s === "string" && s !== "") || (isRecord(s) && "value" in s && Object.keys(s).length === 1),
    { error: 'Give a field path ("order.id") or {"value": …}.', abort: false },
  )
  .transform((s): Source => (typeof s === "string" ? s : { value: s.value }));
const sources = fieldMapSchema(source);

// Refinements, not zod's .int() or .min(): .int() aborts the checks of every object around it (the
// document's duplicate ids would go unreported), and a length .min() also runs on a string given
// for a list, adding its message to "Not a valid list.".
const attemptsMessage = "Must be an integer from 1 to 20.";
const backoffMessage = "Must be a number from 1 to 10.";
const retry = z.strictObject({
  attempts: z
    .number({ error: (iss) => (iss.input === undefined ? messages.missing : attemptsMessage) })
    .refine((n) => Number.isInteger(n) && n >= 1 && n <= 20, attemptsMessage),
  delay: duration.optional(),
  backoff: z
    .number({ error: backoffMessage })
    .refine((n) => n >= 1 && n <= 10, backoffMessage)
    .optional(),
});

// The key order of each shape is the order of the definition as it is stored and served.
const callStep = z
  .strictObject({
    id,
    type: z.literal("call"),
    service: z.string(),
    input: sources.optional(),
    output: fieldMapSchema(z.string().refine((p) => p !== "", messages.string)).optional(),
    into: dataField.optional(),
    retry: retry.optional(),
    timeout: duration.optional(),
    catch: z.strictObject({ next, as: dataField.optional() }).optional(),
    // Its other keys were never refused: they are dropped.
    compensate: z.object({ service: z.string(), input: sources.optional() }).optional(),
    next,
  })
  .superRefine((s, ctx) => {
    const { into, output } = s as Record<string, unknown>;
    if (typeof into === "string" && fieldName.test(into) && isRecord(output))
      ctx.addIssue({ code: "custom", message: 'Give "into" or "output", not both.', path: ["into"] });
  }, always);

const choiceStep = z.strictObject({
  id,
  type: z.literal("choice"),
  // A choice's other keys were never refused: they are dropped.
  choices: z.array(z.object({ when: conditionSchema, next: z.string() })),
  default: z.string().optional(),
});

const waitStep = z
  .strictObject({
    id,
    type: z.literal("wait"),
    duration: duration.optional(),
    signal: z
      .string()
      .regex(/^[a-zA-Z][\w.-]*$/, 'Must be letters, digits, ".", "_" or "-".')
      .optional(),
    timeout: duration.optional(),
    fields: fieldSpecsSchema.optional(),
    next,
  })
  .superRefine((s, ctx) => {
    const { duration, signal, timeout } = s as Record<string, unknown>;
    if ((duration === undefined) === (signal === undefined))
      ctx.addIssue({ code: "custom", message: 'Give "duration" or "signal" (one of them).', path: [] });
    if (isDuration(timeout) && typeof signal !== "string")
      ctx.addIssue({
        code: "custom",
        message: 'Only a wait for a "signal" takes a timeout.',
        path: ["timeout"],
      });
  }, always);

const succeedStep = z.strictObject({ id, type: z.literal("succeed") });
const failStep = z.strictObject({ id, type: z.literal("fail"), message: z.string().optional() });

/** A list of steps run in order: the flow's, or one branch of a parallel step. */
export const stepListSchema = (step: z.ZodType<DraftStep>) =>
  z.array(step).refine((list) => list.length > 0, "Give at least one step.");

const branchStep: z.ZodType<DraftStep> = z.lazy(() => nestedStep);

function parallelStep(nested: boolean) {
  const shape = z.strictObject({
    id,
    type: z.literal("parallel"),
    // Two branches at least before any is read.
    branches: z
      .array(z.unknown(), { error: messages.list })
      .refine((list) => list.length >= 2, "Give at least two branches.")
      .pipe(z.array(stepListSchema(branchStep))),
    next,
  });
  if (!nested) return shape;
  return shape.superRefine((_, ctx) => {
    ctx.addIssue({ code: "custom", message: "A parallel step cannot be inside another one.", path: [] });
  }, always);
}

/** `"upper"` is `{ "service": "upper" }`, and a step that names a service but no type is a call. */
function shorthand(s: unknown): unknown {
  if (typeof s === "string") return { type: "call", service: s };
  if (isRecord(s) && s.type == null && s.service !== undefined) return { ...s, type: "call" };
  return s;
}

const typeMessage = `Must be one of: ${stepTypes.join(", ")}.`;

function stepSchemaOf(nested: boolean): z.ZodType<DraftStep> {
  const byType = z.discriminatedUnion(
    "type",
    [callStep, choiceStep, parallelStep(nested), waitStep, succeedStep, failStep],
    {
      error: (iss) =>
        iss.code === "invalid_union"
          ? (iss.input as Record<string, unknown>).type == null
            ? messages.missing
            : typeMessage
          : undefined,
    },
  );
  return z.preprocess(
    shorthand,
    z.custom<Record<string, unknown>>(isRecord, { error: messages.mapping, abort: false }).pipe(byType),
  ) as unknown as z.ZodType<DraftStep>;
}

const nestedStep = stepSchemaOf(true);

/**
 * One step of a flow, read by its `type` (one of {@link stepTypes}); a parallel step's branches
 * hold steps that cannot be parallel themselves.
 *
 * @example
 * stepSchema.parse({ service: "upper", retry: { attempts: 3 } }); // { type: "call", service: "upper", retry: … }
 */
export const stepSchema = stepSchemaOf(false);
