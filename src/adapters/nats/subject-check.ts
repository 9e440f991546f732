import { TesseraError } from "../../core/errors.js";

// NATS itself only refuses whitespace; an empty token or a misplaced wildcard would fail later and
// asynchronously (a permissions-style error on the connection), so we refuse them up front.
const token = /^[^\s.*>]+$/;

// Most subjects recur (an entry's, an event's): each is checked once.
const valid = new Set<string>();

/** Throws `TESSERA_BAD_REQUEST` for a subject that cannot be published to. */
export function checkSubject(subject: string): void {
  if (valid.has(subject)) return;
  if (!subject.split(".").every((t) => token.test(t)))
    throw TesseraError.badRequest(`invalid subject "${subject}"`);
  // Reply inboxes and other one-off subjects would grow the set without bound: cap it.
  if (valid.size < 10_000) valid.add(subject);
}

/** Throws `TESSERA_BAD_REQUEST` for a subscription pattern that NATS would refuse. */
export function checkPattern(pattern: string): void {
  const toks = pattern.split(".");
  if (!toks.every((t, i) => t === "*" || (t === ">" && i === toks.length - 1) || token.test(t)))
    throw TesseraError.badRequest(`invalid subject pattern "${pattern}"`);
}
