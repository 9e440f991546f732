export {
  type JwksOptions,
  type JwtCheckOptions,
  type JwtClaims,
  type JwtKeyOptions,
  type JwtOptions,
  jwt,
} from "./jwt.js";
export { type JwtAlgorithm, jwtAlgorithms } from "./jwt-algorithms.js";
export type { JwtRefusalReason } from "./jwt-errors.js";
export type { JwtPublicKey } from "./jwt-keys.js";
