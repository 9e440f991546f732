export { type LambdaHttpCall, lambdaEvents } from "./lambda-events.js";
export { type TestClient, type TestRequestOptions, type TestResponse, testClient } from "./test-client.js";
