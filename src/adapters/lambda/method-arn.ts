/** The parts of an API Gateway method (or route) ARN that say what is being called. */
export interface MethodArn {
  readonly apiId: string;
  readonly stage: string;
  /** Upper case, e.g. `POST` (`$default` for the default route of an HTTP API). */
  readonly method: string;
  /** The request path without the stage, e.g. `/text/upper`. */
  readonly path: string;
}

/**
 * Parses `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path…>`; `undefined`
 * when it is not one.
 *
 * @example
 * parseMethodArn("arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/POST/text/upper")
 * // { apiId: "abc123", stage: "dev", method: "POST", path: "/text/upper" }
 */
export function parseMethodArn(arn: unknown): MethodArn | undefined {
  if (typeof arn !== "string") return undefined;
  const parts = arn.split(":");
  if (parts.length < 6 || parts[0] !== "arn" || parts[2] !== "execute-api") return undefined;
  const [apiId, stage, method, ...segments] = parts.slice(5).join(":").split("/");
  if (!apiId || !stage || !method) return undefined;
  return { apiId, stage, method: method.toUpperCase(), path: `/${segments.join("/")}` };
}
