export { type TestClient, type TestRequestOptions, type TestResponse, testClient } from "./test-client.js";
