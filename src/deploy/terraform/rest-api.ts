import { TesseraError } from "../../core/errors.js";
import { addResource, ref, type TfDocument, tfId } from "./tf-json.js";

/** One route as API Gateway serves it. */
export interface ApiRoute {
  readonly method: string;
  /** Tesserae's form: `/orders/:id`. */
  readonly path: string;
  readonly service: string;
  readonly entry: string;
  /** Whether the route's authorizer runs (API Gateway then calls the service's function as authorizer first). */
  readonly authorized: boolean;
}

export interface RestApiInput {
  /** The API's name in AWS. */
  readonly name: string;
  readonly stage: string;
  readonly routes: readonly ApiRoute[];
  /** Adds an OPTIONS method to every resource with routes, answered by the gateway's CORS. */
  readonly cors: boolean;
}

interface ApiResource {
  /** The Terraform name, or undefined for the root. */
  readonly tf: string | undefined;
  readonly path: string;
  readonly part: string;
  readonly parent: ApiResource | undefined;
  readonly children: Map<string, ApiResource>;
}

const API = "aws_api_gateway_rest_api.api";

/** `/orders/:id` → `["orders", "{id}"]`. */
function partsOf(path: string): string[] {
  return path
    .split("/")
    .filter((p) => p !== "")
    .map((p) => (p.startsWith(":") ? `{${p.slice(1)}}` : p));
}

/** The resource tree of the routes; API Gateway allows one parameter name per level under a parent. */
function resourceTree(routes: readonly ApiRoute[]): { root: ApiResource; byPath: Map<string, ApiResource> } {
  const root: ApiResource = { tf: undefined, path: "/", part: "", parent: undefined, children: new Map() };
  const byPath = new Map<string, ApiResource>([["/", root]]);
  const used = new Set<string>();
  const paths = [...new Set(routes.map((r) => `/${partsOf(r.path).join("/")}`))].sort();
  for (const path of paths) {
    let node = root;
    for (const part of partsOf(path)) {
      let child = node.children.get(part);
      if (child === undefined) {
        if (part.startsWith("{")) {
          const other = [...node.children.keys()].find((k) => k.startsWith("{"));
          if (other !== undefined) {
            const base = node.path === "/" ? "" : node.path;
            throw new TesseraError(
              "TESSERA_DEFINITION",
              `API Gateway allows one path parameter name per level: ${base}/${other} and ${base}/${part} conflict (use the same name)`,
            );
          }
        }
        const childPath = `${node.path === "/" ? "" : node.path}/${part}`;
        let tf = tfId(
          childPath
            .slice(1)
            .split("/")
            .map((p) => (p.startsWith("{") ? `by_${p.slice(1, -1)}` : p))
            .join("_"),
        );
        for (let n = 2; used.has(tf); n++) tf = `${tf}_${n}`;
        used.add(tf);
        child = { tf, path: childPath, part, parent: node, children: new Map() };
        node.children.set(part, child);
        byPath.set(childPath, child);
      }
      node = child;
    }
  }
  return { root, byPath };
}

const resourceId = (r: ApiResource) =>
  r.tf === undefined ? ref(`${API}.root_resource_id`) : ref(`aws_api_gateway_resource.${r.tf}.id`);

/**
 * The REST API of a stage (`api.tf.json`): one resource per path segment, one method and one
 * Lambda proxy integration per route (to its service's function), a REQUEST authorizer per service
 * whose routes are authorized (its own function: the service's authorizer), binary media types
 * `*\/*` (bodies arrive in base64, bytes go back as bytes), the deployment (redeployed whenever a
 * route changes) and the stage.
 */
export function restApiDocument(input: RestApiInput): TfDocument {
  const doc: TfDocument = {};
  addResource(doc, "aws_api_gateway_rest_api", "api", {
    name: input.name,
    description: `Tesserae: ${input.name}`,
    binary_media_types: ["*/*"],
    endpoint_configuration: { types: ["REGIONAL"] },
  });
  const { byPath } = resourceTree(input.routes);
  for (const r of byPath.values()) {
    if (r.tf === undefined || r.parent === undefined) continue;
    addResource(doc, "aws_api_gateway_resource", r.tf, {
      rest_api_id: ref(`${API}.id`),
      parent_id: resourceId(r.parent),
      path_part: r.part,
    });
  }

  const authorizers = [...new Set(input.routes.filter((r) => r.authorized).map((r) => r.service))].sort();
  for (const service of authorizers) {
    addResource(doc, "aws_api_gateway_authorizer", tfId(service), {
      name: service,
      rest_api_id: ref(`${API}.id`),
      type: "REQUEST",
      authorizer_uri: ref(`aws_lambda_function.${tfId(service)}.invoke_arn`),
      identity_source: "method.request.header.Authorization",
      // The verdict depends on the route (the authorizer gets the target), so it is never cached.
      authorizer_result_ttl_in_seconds: 0,
    });
  }

  const triggers: string[] = [];
  const dependsOn: string[] = [];
  const integrate = (
    name: string,
    resource: ApiResource,
    method: string,
    service: string,
    authorized: boolean,
  ) => {
    const params = resource.path.match(/\{[^}]+\}/g) ?? [];
    addResource(doc, "aws_api_gateway_method", name, {
      rest_api_id: ref(`${API}.id`),
      resource_id: resourceId(resource),
      http_method: method,
      authorization: authorized ? "CUSTOM" : "NONE",
      ...(authorized ? { authorizer_id: ref(`aws_api_gateway_authorizer.${tfId(service)}.id`) } : {}),
      ...(params.length === 0
        ? {}
        : {
            request_parameters: Object.fromEntries(
              params.map((p) => [`method.request.path.${p.slice(1, -1)}`, true]),
            ),
          }),
    });
    addResource(doc, "aws_api_gateway_integration", name, {
      rest_api_id: ref(`${API}.id`),
      resource_id: resourceId(resource),
      http_method: ref(`aws_api_gateway_method.${name}.http_method`),
      type: "AWS_PROXY",
      integration_http_method: "POST",
      uri: ref(`aws_lambda_function.${tfId(service)}.invoke_arn`),
    });
    triggers.push(`aws_api_gateway_method.${name}.id`, `aws_api_gateway_integration.${name}.id`);
    dependsOn.push(`aws_api_gateway_method.${name}`, `aws_api_gateway_integration.${name}`);
  };

  for (const route of input.routes) {
    const resource = byPath.get(`/${partsOf(route.path).join("/")}`)!;
    integrate(
      tfId(`${route.service}_${route.entry}`),
      resource,
      route.method,
      route.service,
      route.authorized,
    );
  }
  if (input.cors) {
    const served = new Map<ApiResource, string>();
    for (const route of input.routes) {
      const resource = byPath.get(`/${partsOf(route.path).join("/")}`)!;
      if (!served.has(resource)) served.set(resource, route.service);
    }
    for (const [resource, service] of served) {
      integrate(`options_${resource.tf ?? "root"}`, resource, "OPTIONS", service, false);
    }
  }
  for (const r of byPath.values())
    if (r.tf !== undefined) triggers.push(`aws_api_gateway_resource.${r.tf}.id`);

  addResource(doc, "aws_api_gateway_deployment", "api", {
    rest_api_id: ref(`${API}.id`),
    triggers: { redeployment: ref(`sha1(jsonencode([${triggers.sort().join(", ")}]))`) },
    lifecycle: { create_before_destroy: true },
    depends_on: dependsOn.sort(),
  });
  addResource(doc, "aws_api_gateway_stage", "stage", {
    rest_api_id: ref(`${API}.id`),
    deployment_id: ref("aws_api_gateway_deployment.api.id"),
    stage_name: input.stage,
  });
  return doc;
}
