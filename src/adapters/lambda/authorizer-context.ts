import type { Identity } from "../../core/identity.js";

/**
 * How an identity travels from the authorizer to the function behind it. API Gateway only carries
 * string, number and boolean values in an authorizer's `context`: the whole identity goes as JSON
 * under `identity`, and its scalar claims are also copied as they are (for mapping templates and
 * logs). An anonymous pass sets `anonymous: true`.
 */
export function identityContext(identity: Identity | undefined): Record<string, string | number | boolean> {
  if (identity === undefined) return { anonymous: true };
  const context: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(identity)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
      context[key] = value;
  }
  context.identity = JSON.stringify(identity);
  return context;
}

/**
 * The verdict an authorizer of Tesserae left in a request's context (REST API:
 * `requestContext.authorizer`; HTTP API: `requestContext.authorizer.lambda`), or `undefined` when
 * there is none (no authorizer, or another one).
 */
export function verdictOf(context: unknown): Identity | true | undefined {
  if (typeof context !== "object" || context === null) return undefined;
  const { identity, anonymous } = context as { identity?: unknown; anonymous?: unknown };
  if (typeof identity === "string") {
    try {
      const parsed: unknown = JSON.parse(identity);
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as Identity;
    } catch {
      return undefined;
    }
    return undefined;
  }
  // REST APIs hand context values to the integration as strings.
  return anonymous === true || anonymous === "true" ? true : undefined;
}
