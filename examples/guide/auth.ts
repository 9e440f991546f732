import { entry, service } from "tesserae";
import { jwt } from "tesserae/jwt";

export const accounts = service("accounts", {
  // Every entry needs a valid token, unless marked `noAuth`.
  authorize: jwt({
    jwksUrl: "https://auth.example.com/.well-known/jwks.json",
    audience: "accounts-api",
    issuer: "https://auth.example.com/",
  }),
  entries: {
    // The verified claims are the identity; it travels with every nested call.
    getMe: entry((_input, ctx) => ({ user: ctx.identity?.sub })),
    getHealth: entry({ noAuth: true }, () => ({ ok: true })),
  },
});
