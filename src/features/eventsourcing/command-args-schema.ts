// The arguments of command(): a command given no `decide`, options without an `input` schema, or a
// repository's name instead of the repository used to be accepted and failed at its first call
// with a TypeError (a 500). They are now refused when declared, as TESSERA_DEFINITION naming the
// argument (see features/definition-options.ts).
import { z } from "zod";
import { fnOption, schemaOption } from "../definition-options.js";

/**
 * The arguments of `command(repository, options, decide)`: the entry options themselves are
 * checked by the service that names the entry, like any entry's.
 */
export const commandArgsSchema = z.strictObject({
  repository: z.custom<object>(
    (v) =>
      typeof v === "function" ||
      (typeof v === "object" && v !== null && typeof (v as { update?: unknown }).update === "function"),
    { error: "must be a repository (or a function returning one)" },
  ),
  options: z.looseObject({ input: schemaOption }),
  decide: fnOption,
});
