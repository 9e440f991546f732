import { UNAUTHORIZED } from "tesserae/lambda";
import { describe, expect, it } from "vitest";
import { parseMethodArn } from "../../../src/adapters/lambda/method-arn.js";
import {
  methodArn,
  requestAuthorizerEvent,
  requestAuthorizerEventV2,
  tokenAuthorizerEvent,
  v1Event,
  v2Event,
} from "./fixtures/events.js";
import { fixtureHandler, json } from "./fixtures/handler.js";

const handler = fixtureHandler();

interface Policy {
  principalId: string;
  policyDocument: { Version: string; Statement: { Action: string; Effect: string; Resource: string }[] };
  context?: Record<string, string | number | boolean>;
}
const authorize = async (event: unknown) => (await handler(event)) as Policy;

describe("the service's authorizer as an API Gateway authorizer", () => {
  it("TOKEN: a valid token gets a policy allowing exactly this method, the identity in the context", async () => {
    const p = await authorize(tokenAuthorizerEvent("Bearer admin-token", "GET", "/vault/secret/db"));
    expect(p.principalId).toBe("ada");
    expect(p.policyDocument).toEqual({
      Version: "2012-10-17",
      Statement: [
        { Action: "execute-api:Invoke", Effect: "Allow", Resource: methodArn("GET", "/vault/secret/db") },
      ],
    });
    expect(p.context).toEqual({ sub: "ada", role: "admin", identity: '{"sub":"ada","role":"admin"}' });
  });

  it("TOKEN: the authorizer's `false` (a reader writing) is a Deny policy", async () => {
    const p = await authorize(tokenAuthorizerEvent("Bearer reader-token", "PUT", "/vault/secret/db"));
    expect(p.policyDocument.Statement[0]?.Effect).toBe("Deny");
    expect(
      (await authorize(tokenAuthorizerEvent("Bearer reader-token", "GET", "/vault/secret/db"))).principalId,
    ).toBe("bob");
  });

  it("TOKEN: no token, another scheme or an unknown token fail with Unauthorized (API Gateway's 401)", async () => {
    await expect(handler(tokenAuthorizerEvent(undefined, "GET", "/vault/secret/db"))).rejects.toThrow(
      UNAUTHORIZED,
    );
    await expect(handler(tokenAuthorizerEvent("Basic YTpi", "GET", "/vault/secret/db"))).rejects.toThrow(
      UNAUTHORIZED,
    );
    await expect(handler(tokenAuthorizerEvent("Bearer forged", "GET", "/vault/secret/db"))).rejects.toThrow(
      UNAUTHORIZED,
    );
  });

  it("REQUEST (REST API): reads the Authorization header whatever its case", async () => {
    const p = await authorize(
      requestAuthorizerEvent("GET", "/vault/secret/db", { Authorization: "Bearer reader-token" }),
    );
    expect(p.policyDocument.Statement[0]).toMatchObject({
      Effect: "Allow",
      Resource: methodArn("GET", "/vault/secret/db"),
    });
    expect(p.context?.role).toBe("reader");
  });

  it("REQUEST (HTTP API 2.0): the route ARN is the resource, the stage is not part of the path", async () => {
    const e = requestAuthorizerEventV2("GET", "/vault/secret/db", { authorization: "Bearer admin-token" });
    const p = await authorize(e);
    expect(p.policyDocument.Statement[0]).toMatchObject({ Effect: "Allow", Resource: e.routeArn });
  });

  it("an entry without auth is allowed anonymously; an unknown route or a malformed event is denied", async () => {
    const open = await authorize(tokenAuthorizerEvent(undefined, "GET", "/vault/logo"));
    expect(open).toMatchObject({ principalId: "anonymous", context: { anonymous: true } });
    expect(open.policyDocument.Statement[0]?.Effect).toBe("Allow");
    const unknown = await authorize(tokenAuthorizerEvent("Bearer admin-token", "GET", "/nope"));
    expect(unknown.policyDocument.Statement[0]?.Effect).toBe("Deny");
    const malformed = await authorize({ type: "TOKEN", authorizationToken: "Bearer admin-token" });
    expect(malformed).toMatchObject({ principalId: "invalid-event" });
    expect(malformed.policyDocument.Statement[0]).toMatchObject({ Effect: "Deny", Resource: "*" });
  });

  it("the identity it puts in the context reaches the entry behind it, without checking the token again", async () => {
    const p = await authorize(tokenAuthorizerEvent("Bearer admin-token", "GET", "/vault/secret/db"));
    // API Gateway hands the context to the integration with string values (REST API).
    const context = Object.fromEntries(Object.entries(p.context ?? {}).map(([k, v]) => [k, String(v)]));
    const authorizer = { principalId: p.principalId, integrationLatency: 12, ...context };
    const v1 = await handler(v1Event({ method: "GET", path: "/vault/secret/db", authorizer }));
    expect(json(v1)).toEqual({ name: "db", owner: "ada", role: "admin" });
    const v2 = await handler(
      v2Event({ method: "GET", path: "/vault/secret/db", authorizer: p.context ?? {} }),
    );
    expect(json(v2)).toEqual({ name: "db", owner: "ada", role: "admin" });
  });

  it("without an authorizer context the gateway checks the bearer token itself", async () => {
    const anonymous = await handler(v2Event({ method: "GET", path: "/vault/secret/db" }));
    expect((anonymous as { statusCode: number }).statusCode).toBe(401);
    const withToken = await handler(
      v2Event({ method: "GET", path: "/vault/secret/db", headers: { authorization: "Bearer reader-token" } }),
    );
    expect(json(withToken)).toMatchObject({ owner: "bob" });
  });

  it("trustAuthorizer: false ignores the context", async () => {
    const strict = fixtureHandler({ trustAuthorizer: false });
    const r = await strict(
      v2Event({ method: "GET", path: "/vault/secret/db", authorizer: { identity: '{"sub":"x"}' } }),
    );
    expect((r as { statusCode: number }).statusCode).toBe(401);
  });
});

describe("parseMethodArn", () => {
  it("splits a method ARN; the root path and odd strings", () => {
    expect(parseMethodArn("arn:aws:execute-api:eu-west-1:123456789012:abc/prod/POST/text/upper")).toEqual({
      apiId: "abc",
      stage: "prod",
      method: "POST",
      path: "/text/upper",
    });
    expect(parseMethodArn("arn:aws:execute-api:eu-west-1:1:abc/prod/GET/")?.path).toBe("/");
    expect(parseMethodArn("arn:aws:s3:::bucket/key")).toBeUndefined();
    expect(parseMethodArn("arn:aws:execute-api:eu-west-1:1:abc")).toBeUndefined();
    expect(parseMethodArn(42)).toBeUndefined();
  });
});
