import { defineConfig } from "tesserae";
import { jwt } from "tesserae/jwt";
import { text } from "../text/services.js";

// In prod, declared flows reach the cluster's services and one private range, nothing else private;
// the management API (/declared/*, /s, /w, /e) takes a JWT that holds the flows-admin role.
export default defineConfig({
  services: [text],
  declaredFlows: { aliases: { upper: "text.upper" } },
  stages: {
    dev: {},
    prod: {
      egress: { hosts: ["*.svc.cluster.local"], cidrs: ["10.20.0.0/16"] },
      management: {
        authorize: jwt({
          jwksUrl: "https://auth.example.com/.well-known/jwks.json",
          audience: "flows-admin",
        }),
        role: "flows-admin",
      },
    },
  },
});
