// The shapes of the AWS events and results the adapter speaks, written out here rather than taken
// from @types/aws-lambda: only the fields Tesserae reads or writes, and no dependency.

type Headers = Readonly<Record<string, string | undefined>> | null | undefined;
type MultiHeaders = Readonly<Record<string, readonly string[] | undefined>> | null | undefined;

/** API Gateway REST API (v1) proxy event; also the HTTP API payload format 1.0 (`version: "1.0"`). */
export interface ApiGatewayV1Event {
  readonly version?: string;
  readonly resource?: string;
  readonly path: string;
  readonly httpMethod: string;
  readonly headers?: Headers;
  readonly multiValueHeaders?: MultiHeaders;
  readonly queryStringParameters?: Headers;
  readonly multiValueQueryStringParameters?: MultiHeaders;
  readonly pathParameters?: Headers;
  readonly requestContext: {
    readonly requestId?: string;
    readonly stage?: string;
    /** What a Lambda authorizer put in its `context` (plus `principalId`). */
    readonly authorizer?: Readonly<Record<string, unknown>> | null;
    readonly [key: string]: unknown;
  };
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

/** API Gateway HTTP API event, payload format 2.0. */
export interface ApiGatewayV2Event {
  readonly version: "2.0";
  readonly routeKey?: string;
  /** With the stage name first when the API has a named stage (`/dev/text/upper`). */
  readonly rawPath: string;
  readonly rawQueryString?: string;
  readonly cookies?: readonly string[];
  /** Lower-case names; repeated headers are joined with commas. */
  readonly headers?: Headers;
  readonly requestContext: {
    readonly requestId?: string;
    readonly stage?: string;
    readonly http: { readonly method: string; readonly path?: string };
    readonly authorizer?: { readonly lambda?: Readonly<Record<string, unknown>> | null } | null;
    readonly [key: string]: unknown;
  };
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

/** Application Load Balancer event (target group with a Lambda target). */
export interface AlbEvent {
  readonly httpMethod: string;
  readonly path: string;
  /** As sent by the client: still percent-encoded. */
  readonly queryStringParameters?: Headers;
  readonly multiValueQueryStringParameters?: MultiHeaders;
  readonly headers?: Headers;
  /** Present instead of `headers` when the target group has multi-value headers on. */
  readonly multiValueHeaders?: MultiHeaders;
  readonly requestContext: { readonly elb: { readonly targetGroupArn?: string } };
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

/** An HTTP answer for API Gateway (v1 and v2) or an ALB. */
export interface LambdaHttpResult {
  readonly statusCode: number;
  /** ALB only, e.g. `200 OK`. */
  readonly statusDescription?: string;
  readonly headers?: Record<string, string>;
  /** ALB with multi-value headers on. */
  readonly multiValueHeaders?: Record<string, string[]>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

/** API Gateway TOKEN authorizer event. */
export interface TokenAuthorizerEvent {
  readonly type: "TOKEN";
  /** The value of the identity source header, e.g. `Bearer eyJ…`. */
  readonly authorizationToken?: string;
  /** `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>` */
  readonly methodArn?: string;
}

/** API Gateway REQUEST authorizer event (REST API, or HTTP API with payload format 1.0 or 2.0). */
export interface RequestAuthorizerEvent {
  readonly type: "REQUEST";
  readonly version?: string;
  /** REST API (and HTTP API 1.0). */
  readonly methodArn?: string;
  readonly httpMethod?: string;
  readonly path?: string;
  /** HTTP API 2.0. */
  readonly routeArn?: string;
  readonly rawPath?: string;
  readonly rawQueryString?: string;
  readonly headers?: Headers;
  readonly queryStringParameters?: Headers;
  readonly requestContext?: {
    readonly stage?: string;
    readonly http?: { readonly method?: string; readonly path?: string };
  };
}

export type AuthorizerEvent = TokenAuthorizerEvent | RequestAuthorizerEvent;

/** What an authorizer answers: an IAM policy for the method, and the identity in `context`. */
export interface AuthorizerResult {
  readonly principalId: string;
  readonly policyDocument: {
    readonly Version: "2012-10-17";
    readonly Statement: readonly [
      { readonly Action: "execute-api:Invoke"; readonly Effect: "Allow" | "Deny"; readonly Resource: string },
    ];
  };
  /** String, number and boolean values only (API Gateway's rule). */
  readonly context?: Record<string, string | number | boolean>;
}

/** The Lambda context, as far as Tesserae reads it. */
export interface LambdaContext {
  readonly awsRequestId?: string;
  readonly functionName?: string;
  getRemainingTimeInMillis?(): number;
}
