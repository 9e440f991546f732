import { TesseraError } from "../../core/errors.js";

// NATS itself only refuses whitespace; an empty token or a misplaced wildcard would fail later and
// asynchronously (a permissions-style error on the connection), so we refuse them up front.
const token = /^[^\s.*>]+$/;

/** Throws `TESSERA_BAD_REQUEST` for a subject that cannot be published to. */
export function checkSubject(subject: string): void {
  if (!subject.split(".").every((t) => token.test(t)))
    throw TesseraError.badRequest(`invalid subject "${subject}"`);
}

/** Throws `TESSERA_BAD_REQUEST` for a subscription pattern that NATS would refuse. */
export function checkPattern(pattern: string): void {
  const toks = pattern.split(".");
  if (!toks.every((t, i) => t === "*" || (t === ">" && i === toks.length - 1) || token.test(t)))
    throw TesseraError.badRequest(`invalid subject pattern "${pattern}"`);
}
