/**
 * NATS-style subject matching: `*` matches one token, `>` the rest (one or more tokens). Kept here
 * rather than imported, because an adapter never imports another (the memory adapter has its own).
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
