/**
 * A handler's result with the HTTP status and headers it wants, for an entry whose answer varies
 * (e.g. 200 with a result, or 202 with a `Location` while the work goes on; or a 4xx in the body
 * shape of a contract the entry serves for compatibility). The gateway sends `body` with them; any
 * other caller of the entry gets the `Reply` itself, on this node or across the transport (status,
 * headers and body, bytes as bytes: see core/wire-reply.ts).
 *
 * @example
 * entry({ input: Start }, async (input) => reply({ runId }, { status: 202, headers: { location: `/runs/${runId}` } }))
 */
export class Reply<T = unknown> {
  constructor(
    readonly body: T,
    readonly status: number,
    readonly headers: Readonly<Record<string, string>>,
  ) {}
}

/** Builds a {@link Reply}. */
export function reply<T>(
  body: T,
  options: { readonly status?: number; readonly headers?: Record<string, string> } = {},
): Reply<T> {
  return new Reply(body, options.status ?? 200, options.headers ?? {});
}
