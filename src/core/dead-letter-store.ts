import { deadLetterHeaders } from "./durable-streams.js";
import type { Headers } from "./transport-message.js";

/** The subjects of dead letters: `tessera.dlq.<service>.<key>`. */
export const DEAD_LETTER_ROOT = "tessera.dlq";

/** A message that its consumer gave up on, as `tesserae dlq list` shows it. */
export interface DeadLetter {
  /** Opaque, stable while the letter is there: give it to replay or drop. */
  readonly id: string;
  /** The subject it was published on, where a replay publishes it again. */
  readonly subject: string;
  /** The durable consumer that failed it (`<service>.<key>`). */
  readonly consumer: string;
  /** Deliveries it had before it was dead-lettered. */
  readonly deliveries: number;
  /** The last failure (up to 500 characters). */
  readonly error: string;
  /** When it was dead-lettered (ISO). */
  readonly time: string;
  /** Where it lies: `tessera.dlq.<service>.<key>`. */
  readonly deadLetterSubject: string;
  /** The event id it was published with, when it had one (a replay keeps it). */
  readonly eventId?: string;
}

/** A dead letter with its payload and original headers (what a replay publishes). */
export interface StoredDeadLetter {
  readonly letter: DeadLetter;
  readonly data: Uint8Array;
  readonly headers: Headers;
}

export interface DeadLetterQuery {
  /** Only the dead letters of this service's consumers. */
  readonly service?: string | undefined;
  /** At most this many, oldest first (default 100). */
  readonly limit?: number | undefined;
}

/**
 * The dead letters a transport keeps (JetStream's `tessera.dlq.<service>` streams, the memory
 * bus's log): the part of the medium that a management tool reads. Adapters implement it.
 */
export interface DeadLetterStore {
  list(query?: DeadLetterQuery): Promise<DeadLetter[]>;
  get(id: string): Promise<StoredDeadLetter | undefined>;
  /** Removes it; false when it was not there. */
  remove(id: string): Promise<boolean>;
}

/** A dead letter as its headers describe it (adapters call it with their own id and time). */
export function deadLetterOf(
  id: string,
  deadLetterSubject: string,
  headers: Headers,
  time: Date,
): DeadLetter {
  const eventId = headers[deadLetterHeaders.id];
  return {
    id,
    ...(eventId === undefined ? {} : { eventId }),
    subject: headers[deadLetterHeaders.subject] ?? "",
    consumer: headers[deadLetterHeaders.consumer] ?? "",
    deliveries: Number(headers[deadLetterHeaders.deliveries] ?? 0),
    error: headers[deadLetterHeaders.error] ?? "",
    time: time.toISOString(),
    deadLetterSubject,
  };
}

/** Whether a dead letter belongs to `service` (its subject is `tessera.dlq.<service>.…`). */
export function ofService(deadLetterSubject: string, service: string | undefined): boolean {
  return service === undefined || deadLetterSubject.startsWith(`${DEAD_LETTER_ROOT}.${service}.`);
}
