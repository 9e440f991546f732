// Issue 16 follow-up, item 5: credentials in query parameters other than the exact names
// password/pass/token/secret/nkey/seed were shown in clear (GET /declared/services, logs, banners).
// Any parameter whose name holds token, secret, pass, key, sig, auth, credential or session is masked.
import { describe, expect, it } from "vitest";
import { maskUrl } from "../../src/core/mask-url.js";

const secret = "s3cr3t-V4lue";

describe("query parameters that carry credentials are masked by their name", () => {
  it.each([
    "access_token",
    "api_key",
    "apikey",
    "API_KEY",
    "client_secret",
    "sig",
    "signature",
    "X-Amz-Signature",
    "X-Amz-Credential",
    "auth",
    "key",
    "credential",
    "credentials",
    "private_key",
    "session",
    "sessionId",
    "refresh_token",
    "passwd",
    "pwd",
  ])("masks ?%s=…, first or among others", (name) => {
    expect(maskUrl(`https://api.example.org/v1/x?${name}=${secret}`)).toBe(
      `https://api.example.org/v1/x?${name}=***`,
    );
    const among = maskUrl(`https://api.example.org/v1/x?page=2&${name}=${secret}&sort=asc#top`);
    expect(among).toBe(`https://api.example.org/v1/x?page=2&${name}=***&sort=asc#top`);
  });

  it("leaves parameters that name no credential, and the rest of the address, as they are", () => {
    const plain = "https://api.example.org/v1/orders?page=2&sort=asc&limit=10&user=ann#frag";
    expect(maskUrl(plain)).toBe(plain);
    expect(maskUrl(`https://ann:${secret}@api.example.org/x?apikey=${secret}`)).toBe(
      "https://ann:***@api.example.org/x?apikey=***",
    );
  });
});
