export type { CorsOptions } from "./cors.js";
export { createGateway, Gateway, type GatewayOptions } from "./gateway.js";
export type { GatewayRequest } from "./gateway-request.js";
export type { GatewayResponse } from "./gateway-response.js";
export { httpStatusOf } from "./http-status.js";
export type { OpenApiInfo } from "./openapi.js";
export { Reply, reply } from "./reply.js";
export { type RunningServer, type ServeOptions, serve } from "./server.js";
