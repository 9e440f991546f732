import { defineConfig } from "tesserae";
import { payments } from "./src/payments.js";
import { placeOrder } from "./src/place-order.js";
import { shipping } from "./src/shipping.js";

// The project: two tech services and a durable flow over them. The flow's runs are kept in the
// stage's store (sqlite:.tesserae/<stage>.db unless TESSERA_STORE says otherwise) and served under
// /flows. Execution settings go in .env and .env.<stage>.
export default defineConfig({
  services: [payments, shipping],
  flows: [placeOrder],
  gateway: { port: 3000 },
  stages: {
    dev: {},
    test: {},
    prod: { gateway: { host: "0.0.0.0" } },
  },
});
