export {
  type JwksOptions,
  type JwtAlgorithm,
  type JwtClaims,
  type JwtOptions,
  type JwtPublicKey,
  type JwtRefusalReason,
  jwt,
} from "./auth/index.js";
export type { CorsOptions } from "./cors.js";
export {
  createGateway,
  Gateway,
  type GatewayOptions,
  type GatewayRequest,
  type GatewayResponse,
} from "./gateway.js";
export { httpStatusOf } from "./http-status.js";
export type { OpenApiInfo } from "./openapi.js";
export { type RunningServer, type ServeOptions, serve } from "./server.js";
