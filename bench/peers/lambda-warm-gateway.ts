// The same request straight to Tesserae's gateway, without a Lambda event: the floor of the adapter.
import { pipeline, text } from "../../examples/text/services.js";
import { memoryTransport } from "../../src/adapters/memory/index.js";
import { createGateway, createNode, silentLogger } from "../../src/index.js";
import { EXPECTED_BODY, upperEvent } from "../lib/lambda-bundles.js";
import { measureInvocations } from "../lib/warm-invoke.js";

const node = createNode({ services: [text, pipeline], transport: memoryTransport(), logger: silentLogger });
await node.start();
const gateway = createGateway(node);
const { headers, body } = upperEvent();
await measureInvocations(
  () => gateway.handle({ method: "POST", url: "/text/upper", headers, body }),
  (r) => {
    if ((r as { body?: string }).body !== EXPECTED_BODY)
      throw new Error(`unexpected answer ${JSON.stringify(r)}`);
  },
);
await node.stop();
