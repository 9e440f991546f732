// Events shaped like the ones AWS sends (fields and nesting as in the AWS documentation's samples),
// for tests of Lambda handlers: plain data, no dependency.

/** The HTTP request an event carries. */
export interface LambdaHttpCall {
  readonly method: string;
  /** Without the query string. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Decoded values; a list repeats the key. */
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  /** The body as sent. */
  readonly body?: string;
  /** A body sent as JSON (with `content-type: application/json`), instead of `body`. */
  readonly json?: unknown;
  /** Sends the body base64-encoded (`isBase64Encoded`), as API Gateway does for binary media types. */
  readonly base64?: boolean;
  /** What an authorizer put in its context. */
  readonly authorizer?: Readonly<Record<string, unknown>>;
  /** The API Gateway stage (v1 default `dev`; v2 default `$default`). */
  readonly stage?: string;
}

const accountId = "123456789012";
const apiId = "a1b2c3d4e5";
const region = "eu-west-1";
const host = `${apiId}.execute-api.${region}.amazonaws.com`;

/** `arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/<stage>/<METHOD><path>` */
function methodArn(method: string, path: string, stage = "dev"): string {
  return `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/${method}${path}`;
}

function payload(call: LambdaHttpCall): { body: string | null; isBase64Encoded: boolean } {
  const body = call.json !== undefined ? JSON.stringify(call.json) : call.body;
  if (body === undefined) return { body: null, isBase64Encoded: false };
  return call.base64
    ? { body: Buffer.from(body).toString("base64"), isBase64Encoded: true }
    : { body, isBase64Encoded: false };
}

function headersOf(call: LambdaHttpCall, lower: boolean): Record<string, string> {
  const out: Record<string, string> = lower
    ? { host, "user-agent": "curl/8.5.0" }
    : { Host: host, "User-Agent": "curl/8.5.0" };
  if (call.json !== undefined) out[lower ? "content-type" : "Content-Type"] = "application/json";
  for (const [k, v] of Object.entries(call.headers ?? {})) out[lower ? k.toLowerCase() : k] = v;
  return out;
}

const listsOf = (query: LambdaHttpCall["query"]) =>
  Object.entries(query ?? {}).map(([k, v]) => [k, typeof v === "string" ? [v] : [...v]] as const);

/** API Gateway REST API, Lambda proxy integration (v1). */
function v1(call: LambdaHttpCall) {
  const stage = call.stage ?? "dev";
  const headers = headersOf(call, false);
  const query = listsOf(call.query);
  return {
    resource: call.path,
    path: call.path,
    httpMethod: call.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters:
      query.length === 0 ? null : Object.fromEntries(query.map(([k, v]) => [k, v.at(-1)])),
    multiValueQueryStringParameters: query.length === 0 ? null : Object.fromEntries(query),
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId,
      apiId,
      resourceId: "abc123",
      resourcePath: call.path,
      httpMethod: call.method,
      extendedRequestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
      requestTime: "09/Apr/2025:12:34:56 +0000",
      path: `/${stage}${call.path}`,
      protocol: "HTTP/1.1",
      stage,
      domainPrefix: apiId,
      requestTimeEpoch: 1744202096000,
      requestId: "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
      identity: { sourceIp: "203.0.113.7", userAgent: "curl/8.5.0", accountId: null, user: null },
      domainName: host,
      ...(call.authorizer === undefined ? {} : { authorizer: call.authorizer }),
    },
    ...payload(call),
  };
}

/** API Gateway HTTP API, payload format 2.0 (a named stage puts its name before `rawPath`). */
function v2(call: LambdaHttpCall) {
  const stage = call.stage ?? "$default";
  const rawPath = stage === "$default" ? call.path : `/${stage}${call.path}`;
  const params = new URLSearchParams();
  for (const [k, values] of listsOf(call.query)) for (const v of values) params.append(k, v);
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString: params.toString(),
    headers: headersOf(call, true),
    requestContext: {
      accountId,
      apiId,
      domainName: host,
      domainPrefix: apiId,
      http: {
        method: call.method,
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: "curl/8.5.0",
      },
      requestId: "JKJaXmPLvHcESHA=",
      routeKey: "$default",
      stage,
      time: "09/Apr/2025:12:34:56 +0000",
      timeEpoch: 1744202096000,
      ...(call.authorizer === undefined ? {} : { authorizer: { lambda: call.authorizer } }),
    },
    ...payload(call),
  };
}

/**
 * Application Load Balancer; `multi` when the target group has multi-value headers on. `rawQuery`
 * is the query as the client encoded it (the ALB does not decode it).
 */
function alb(call: LambdaHttpCall & { readonly rawQuery?: Readonly<Record<string, string>> }, multi = false) {
  const headers = headersOf(call, true);
  headers.host = "lambda-alb-123578498.eu-west-1.elb.amazonaws.com";
  const query = call.rawQuery ?? {};
  return {
    requestContext: {
      elb: {
        targetGroupArn: `arn:aws:elasticloadbalancing:${region}:${accountId}:targetgroup/lambda-tg/6d0ecf831eec9f09`,
      },
    },
    httpMethod: call.method,
    path: call.path,
    ...(multi
      ? {
          multiValueQueryStringParameters: Object.fromEntries(
            Object.entries(query).map(([k, v]) => [k, [v]]),
          ),
          multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
        }
      : { queryStringParameters: query, headers }),
    ...payload(call),
  };
}

/** REST API TOKEN authorizer: the `Authorization` header's value (e.g. `Bearer …`) and the method ARN. */
function tokenAuthorizer(token: string | undefined, method: string, path: string) {
  return {
    type: "TOKEN",
    methodArn: methodArn(method, path),
    ...(token === undefined ? {} : { authorizationToken: token }),
  };
}

/** REST API REQUEST authorizer. */
function requestAuthorizer(method: string, path: string, headers: Readonly<Record<string, string>>) {
  return {
    type: "REQUEST",
    methodArn: methodArn(method, path),
    resource: path,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: {},
    multiValueQueryStringParameters: {},
    pathParameters: {},
    stageVariables: {},
    requestContext: {
      path: `/dev${path}`,
      accountId,
      resourceId: "abc123",
      stage: "dev",
      requestId: "req-1",
      apiId,
      httpMethod: method,
    },
  };
}

/** HTTP API REQUEST authorizer, payload format 2.0, on the stage `dev`. */
function requestAuthorizerV2(method: string, path: string, headers: Readonly<Record<string, string>>) {
  return {
    version: "2.0",
    type: "REQUEST",
    routeArn: methodArn(method, path),
    identitySource: [headers.authorization ?? ""],
    routeKey: `${method} ${path}`,
    rawPath: `/dev${path}`,
    rawQueryString: "",
    headers,
    requestContext: {
      accountId,
      apiId,
      http: { method, path: `/dev${path}` },
      stage: "dev",
      requestId: "req-2",
    },
  };
}

/**
 * Lambda events as AWS sends them, to test a handler without AWS.
 *
 * @example
 * const r = await handler(lambdaEvents.v2({ method: "POST", path: "/text/upper", json: { message: "hi" } }));
 * // r.statusCode === 200, JSON.parse(r.body) → { message: "HI" }
 */
export const lambdaEvents = {
  v1,
  v2,
  alb,
  tokenAuthorizer,
  requestAuthorizer,
  requestAuthorizerV2,
  methodArn,
};
