// A token is what NATS accepts between dots, minus the wildcards. NATS itself only refuses
// whitespace; an empty token or a misplaced wildcard would fail later and asynchronously (a
// permissions-style error on the connection), so every transport refuses them up front.
const token = /^[^\s.*>]+$/;

/**
 * True for a subject that can be published to: tokens split on ".", none empty, no wildcard.
 *
 * @example
 * isValidSubject("tessera.svc.text.upper") // true
 * isValidSubject("tessera.svc.*") // false
 */
export function isValidSubject(subject: string): boolean {
  return subject.split(".").every((t) => token.test(t));
}

/**
 * True for a subscription pattern: `*` stands for one token, `>` (last only) for the rest.
 *
 * @example
 * isValidPattern("tessera.evt.>") // true
 */
export function isValidPattern(pattern: string): boolean {
  const toks = pattern.split(".");
  return toks.every((t, i) => t === "*" || (t === ">" && i === toks.length - 1) || token.test(t));
}
