import { mkdir, writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { createProjectNode, serveOptions } from "../../config/project-node.js";
import { silentLogger } from "../../core/logger.js";
import { createGateway } from "../../features/gateway/gateway.js";
import { gatewayOptionsOf } from "../../features/gateway/server.js";
import type { CliCommand } from "../command.js";

export const openapiCommand: CliCommand = {
  name: "openapi",
  summary: "Write the OpenAPI 3.1 document of the project",
  usage: "tesserae openapi [-o <file>]",
  description: "Prints the OpenAPI document of the stage's routes, or writes it to a file.",
  examples: ["tesserae openapi > openapi.json", "tesserae openapi -o docs/openapi.json --stage prod"],
  options: [{ name: "out", short: "o", type: "string", value: "<file>", description: "Write to this file" }],
  async run(ctx) {
    const project = await ctx.project();
    const node = await createProjectNode(project, silentLogger);
    // The server's own settings (port, host, shutdown, connections) are not the gateway's options.
    const doc = createGateway(node, gatewayOptionsOf(serveOptions(project))).openapi();
    const json = `${JSON.stringify(doc, null, 2)}\n`;
    const out = ctx.options.out;
    if (typeof out !== "string") {
      process.stdout.write(json);
      return 0;
    }
    const file = resolve(ctx.cwd, out);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, json);
    const operations = Object.values(doc.paths as Record<string, object>).reduce(
      (n, ops) => n + Object.keys(ops).length,
      0,
    );
    ctx.out.err(`wrote ${relative(ctx.cwd, file) || file} (${operations} operations)`);
    return 0;
  },
};
