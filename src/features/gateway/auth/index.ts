export { jwt } from "./jwt.js";
export { type JwtAlgorithm, jwtAlgorithms } from "./jwt-algorithms.js";
export type { JwtRefusalReason } from "./jwt-errors.js";
export type { JwtPublicKey } from "./jwt-keys.js";
export type { JwksOptions, JwtCheckOptions, JwtClaims, JwtKeyOptions, JwtOptions } from "./jwt-options.js";
