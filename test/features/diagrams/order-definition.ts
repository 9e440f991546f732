import type { FlowDefinition } from "../../../src/features/declared-flows/definition.js";
import { parseDefinition } from "../../../src/features/declared-flows/parse-definition.js";

/** A definition with a call, a choice on its outcome, parallel branches and a fail step. */
export const orderDefinition = (): FlowDefinition => {
  const parsed = parseDefinition({
    name: "order",
    inputs: [{ name: "message", type: "string" }],
    steps: [
      { id: "shout", service: "upper", retry: { attempts: 3, delay: "100ms" }, catch: { next: "apologise" } },
      {
        id: "route",
        type: "choice",
        choices: [{ when: { outcome: "shout", is: "ok" }, next: "both" }],
        default: "apologise",
      },
      {
        id: "both",
        type: "parallel",
        branches: [[{ id: "flip", service: "reverse" }], [{ id: "count", service: "spaces" }]],
        next: "end",
      },
      { id: "apologise", type: "fail", message: "could not shout" },
    ],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.definition;
};
