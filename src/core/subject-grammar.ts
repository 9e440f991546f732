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

/**
 * True when `subject` matches the subscription `pattern`, as NATS matches them: tokens split on
 * ".", `*` matches one token, `>` the rest (one or more tokens). Transports without a broker that
 * matches for them (memory, ZeroMQ) share it.
 *
 * @example
 * subjectMatches("tessera.evt.>", "tessera.evt.order.placed") // true
 * subjectMatches("a.*", "a.b.c") // false
 */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    const tok = p[i];
    if (tok === ">") return s.length > i;
    if (i >= s.length) return false;
    if (tok !== "*" && tok !== s[i]) return false;
  }
  return p.length === s.length;
}
