import { TesseraError } from "../../core/errors.js";
import { isValidPattern, isValidSubject } from "../../core/subject-grammar.js";

// Most subjects recur (an entry's, an event's): each is checked once.
const valid = new Set<string>();

/** Throws `TESSERA_BAD_REQUEST` for a subject that cannot be published to. */
export function checkSubject(subject: string): void {
  if (valid.has(subject)) return;
  if (!isValidSubject(subject)) throw TesseraError.badRequest(`invalid subject "${subject}"`);
  // Reply inboxes and other one-off subjects would grow the set without bound: cap it.
  if (valid.size < 10_000) valid.add(subject);
}

/** Throws `TESSERA_BAD_REQUEST` for a subscription pattern that NATS would refuse. */
export function checkPattern(pattern: string): void {
  if (!isValidPattern(pattern)) throw TesseraError.badRequest(`invalid subject pattern "${pattern}"`);
}
