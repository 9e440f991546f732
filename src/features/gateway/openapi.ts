import type { Route } from "../../core/routes.js";
import { jsonSchemaOf } from "../../core/schema.js";
import { httpStatusOf } from "./http-status.js";

export interface OpenApiInfo {
  readonly title?: string;
  readonly version?: string;
  readonly description?: string;
}

const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message", "requestId"],
      properties: {
        code: { type: "string", enum: Object.keys(httpStatusOf) },
        message: { type: "string" },
        requestId: { type: "string" },
        details: {},
      },
    },
  },
} as const;

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

function parameters(route: Route, input: Record<string, unknown> | undefined): unknown[] {
  const out: unknown[] = route.params.map((name) => ({
    name,
    in: "path",
    required: true,
    schema: (input?.properties as Record<string, unknown> | undefined)?.[name] ?? { type: "string" },
  }));
  if (route.method !== "GET" && route.method !== "DELETE") return out;
  const props = (input?.properties ?? {}) as Record<string, unknown>;
  const required = new Set((input?.required ?? []) as string[]);
  for (const [name, schema] of Object.entries(props)) {
    if (route.params.includes(name)) continue;
    out.push({ name, in: "query", required: required.has(name), schema });
  }
  return out;
}

function operation(route: Route, secured: boolean): Record<string, unknown> {
  const { entry } = route;
  const input = jsonSchemaOf(entry.options.input, "input");
  const output = jsonSchemaOf(entry.options.output, "output");
  const op: Record<string, unknown> = { operationId: entry.id, tags: [route.service.name] };
  if (entry.options.summary) op.summary = entry.options.summary;
  if (entry.options.description) op.description = entry.options.description;
  const params = parameters(route, input);
  if (params.length > 0) op.parameters = params;
  if (route.method !== "GET" && route.method !== "DELETE" && entry.options.input !== undefined) {
    op.requestBody = { required: true, content: { "application/json": { schema: input ?? {} } } };
  }
  const ok = String(entry.options.status ?? 200);
  const responses: Record<string, unknown> = {
    [ok]: { description: "Success", content: { "application/json": { schema: output ?? {} } } },
  };
  if (entry.options.output === undefined) responses["204"] = { description: "Success, no content" };
  responses["400"] = errorResponse("Invalid input: every issue with its path");
  if (secured) {
    responses["401"] = errorResponse("Missing or invalid token");
    responses["403"] = errorResponse("Not allowed");
    op.security = [{ bearer: [] }];
  }
  responses["500"] = errorResponse("Internal error (details in the log under the request id)");
  op.responses = responses;
  return op;
}

/** An OpenAPI 3.1 document built from the routes and their schemas. */
export function openApiDocument(
  routes: readonly Route[],
  info: OpenApiInfo | undefined,
  isSecured: (route: Route) => boolean,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z_]\w*)/g, "{$1}");
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(route, isSecured(route));
  }
  return {
    openapi: "3.1.0",
    info: {
      title: info?.title ?? "Tesserae services",
      version: info?.version ?? "1.0.0",
      ...(info?.description ? { description: info.description } : {}),
    },
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
    },
  };
}
