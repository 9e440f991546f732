/**
 * True when a journaled outcome is that of an effect the cancellation of its branch cut short
 * after it had left the process (`details.mayHaveLanded`, see `Scope.cancelledBody`): a service
 * that ignores the abort may have done its work anyway, so the effect is compensated like a
 * completed one — its compensation receives `undefined` as the result, which is unknown.
 */
export function cutShort(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const { code, details } = value as { code?: unknown; details?: { mayHaveLanded?: unknown } };
  return code === "TESSERA_CANCELLED" && details?.mayHaveLanded === true;
}
