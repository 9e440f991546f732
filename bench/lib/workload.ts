// What every peer serves and every client sends, defined once so that the peers do the same work.

/** GET: answers `{"hello":"world"}`. */
export const HELLO_PATH = "/bench/hello";
/** POST: takes a validated 4-field body and answers `{ ok, name }`. */
export const USER_PATH = "/bench/user";

export const hello = { hello: "world" } as const;

export interface User {
  readonly name: string;
  readonly email: string;
  readonly age: number;
  readonly active: boolean;
}

export const validUser: User = { name: "Ada Lovelace", email: "ada@example.com", age: 36, active: true };
/** Ill-typed `age`: a peer that validates must refuse it (checked before measuring). */
export const invalidUser = { name: "Ada Lovelace", email: "ada@example.com", age: "old", active: true };

export const userReply = (user: User) => ({ ok: true, name: user.name });
