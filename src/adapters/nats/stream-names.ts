/** The JetStream stream that holds a subject: its name and the subjects it captures. */
export interface StreamOf {
  readonly name: string;
  readonly subjects: readonly string[];
}

/**
 * One stream per namespace: the first three tokens of the subject (`tessera.evt.<namespace>` for
 * events, `tessera.dlq.<service>` for dead letters). A fixed depth keeps the streams' subjects
 * from overlapping, which JetStream refuses: `order.placed` and `order.item.added` share the
 * stream of `tessera.evt.order`.
 */
export function streamOf(subject: string, prefix: string): StreamOf {
  const ns = subject.split(".").slice(0, 3).join(".");
  // Stream names allow neither `.` nor wildcards nor path separators.
  const name = `${prefix}${ns.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  return { name, subjects: [ns, `${ns}.>`] };
}

/** A durable consumer name from ours (`mailer.confirm` → `mailer_confirm`). */
export function consumerName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, "_");
}
