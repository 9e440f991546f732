/** Who is calling: the verified claims of a token (JWT claims, or what an authorizer returned). */
export interface Identity {
  readonly sub?: string;
  readonly [claim: string]: unknown;
}
