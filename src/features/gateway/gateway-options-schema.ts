// The options of createGateway(): a gateway given `bodyLimit: -1` (or "1mb", or NaN) used to be
// accepted and refused every body, a `requestTimeout` of "5s" gave calls no deadline, and a
// misspelt key (`bodylimit`, `timeout`) was silently ignored. They are now refused when the gateway
// is created, as TESSERA_DEFINITION naming the option (see features/definition-options.ts).
import { z } from "zod";
import { shown } from "../../core/definition-rules.js";
import { fnOption } from "../definition-options.js";

const headerNames = z.array(z.string().min(1));

/** The options of `createGateway(node, options)`. */
export const gatewayOptionsSchema = z.strictObject({
  bodyLimit: z.number().int().min(1).optional(),
  requestTimeout: z.number().min(0).optional(),
  cors: z
    .strictObject({
      origin: z.custom<unknown>(
        (o) =>
          o === true ||
          (typeof o === "string" && o !== "") ||
          typeof o === "function" ||
          (Array.isArray(o) && o.every((x) => typeof x === "string")),
        {
          error: (issue) =>
            `must be true, an origin, a list of origins or a predicate, got ${shown(issue.input)}`,
        },
      ),
      credentials: z.boolean().optional(),
      allowHeaders: headerNames.optional(),
      exposeHeaders: headerNames.optional(),
      maxAge: z.number().int().min(0).optional(),
    })
    .optional(),
  authorize: fnOption.optional(),
  openapi: z
    .strictObject({
      title: z.string().optional(),
      version: z.string().optional(),
      description: z.string().optional(),
    })
    .optional(),
});

/** The options of `serve(node, options)`: the gateway's and the server's own. */
export const serveOptionsSchema = gatewayOptionsSchema.extend({
  port: z.number().int().min(0).max(65_535).optional(),
  host: z.string().min(1).optional(),
  shutdownTimeout: z.number().min(0).optional(),
  handleSignals: z.boolean().optional(),
  maxConnections: z.number().int().min(0).optional(),
});
