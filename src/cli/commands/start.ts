import { withConfigArgs } from "../../config/project-features.js";
import { createProjectNode, serveOptions } from "../../config/project-node.js";
import { transportSummary } from "../../config/transport-summary.js";
import { createLogger, type Logger } from "../../core/logger.js";
import type { TesseraNode } from "../../core/node.js";
import { type RunningServer, serve } from "../../features/gateway/server.js";
import { banner, projectSummary } from "../banner.js";
import { type CliCommand, listenOptions } from "../command.js";
import { isDevWorker, type ReadyMessage } from "../dev/worker-protocol.js";
import { watchLauncher } from "../launcher-watch.js";
import type { Colors } from "../output.js";

/** Resolves with the exit code once a signal (or the dev supervisor) has closed the server gracefully. */
function untilStopped(server: RunningServer, worker: boolean, log: Logger): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      unwatch();
      log.info(`stopping: ${why}`);
      server.close().then(
        () => resolve(0),
        (err: unknown) => {
          log.error("shutdown failed", { err });
          resolve(1);
        },
      );
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    const unwatch = watchLauncher(stop);
    if (worker) {
      // Ctrl-C reaches the whole process group: the supervisor decides when a worker stops.
      process.on("SIGINT", () => undefined);
      process.on("message", (msg: { type?: string }) => msg?.type === "stop" && stop("replaced"));
      process.once("disconnect", () => stop("the dev supervisor is gone"));
    } else {
      process.once("SIGINT", () => {
        process.once("SIGINT", () => process.exit(1));
        stop("SIGINT");
      });
    }
  });
}

/** What the banner adds when the node runs some of the services only. */
function runsNote(c: Colors, node: TesseraNode): string {
  if (node.services.length === node.known.length) return "";
  const here = node.services.map((s) => s.name).join(", ");
  return c.dim(` · runs ${here === "" ? "no service (gateway)" : here}`);
}

export const startCommand: CliCommand = {
  name: "start",
  summary: "Run the project for production: every service (or --services), no reload, JSON logs",
  usage: "tesserae start [--services <names> | none] [--port <n>] [--host <addr>]",
  description:
    "Serves the project's services over HTTP in this process. Logs are JSON lines on stderr (LOG_LEVEL sets\n" +
    "the level). SIGTERM or Ctrl-C stop it gracefully: in-flight requests finish first. Run by npm\n" +
    "(npm start), it also stops gracefully when npm is gone (npm cannot pass on a SIGKILL); under a process\n" +
    "manager or in a container, run tesserae start itself, not npm start.\n" +
    "\n" +
    "Distributed: on a shared transport (--transport or TESSERA_TRANSPORT nats://host:port) the node joins\n" +
    "the others (discovery). --services runs only the named services here; the project's other services\n" +
    "keep their routes and typed calls, served by the nodes that run them. --services none is a gateway node.",
  examples: [
    "tesserae start",
    "PORT=8080 tesserae start --stage prod",
    "TESSERA_TRANSPORT=nats://127.0.0.1:4222 tesserae start --services text --port 3001",
    "tesserae start --transport nats://127.0.0.1:4222 --services none   # a gateway node",
  ],
  options: [
    {
      name: "services",
      type: "string",
      value: "<names>",
      description: "Run only these services (comma-separated), or none for a pure gateway node",
    },
    ...listenOptions,
  ],
  // Extra `--key value` arguments go to the services' config (`--rate 100` → ticker.rate).
  acceptsExtraOptions: true,
  async run(ctx) {
    const worker = isDevWorker();
    const project = withConfigArgs(await ctx.project(), ctx.extras);
    const logger = createLogger({
      format: worker ? "pretty" : "json",
      ...(ctx.verbose ? { level: "debug" as const } : {}),
    });
    const services = typeof ctx.options.services === "string" ? ctx.options.services : undefined;
    const node = await createProjectNode(project, logger, { services, announce: true });
    const elsewhere = node.known.filter((s) => !node.services.includes(s)).map((s) => s.name);
    if (elsewhere.length > 0 && node.transport.kind === "memory") {
      logger.warn(
        `the memory transport reaches no other process: ${elsewhere.join(", ")} cannot be called (use --transport nats://host:port)`,
      );
    }
    const options = serveOptions(project);
    const server = await serve(node, worker ? { ...options, port: 0, host: "127.0.0.1" } : options);
    const summary = projectSummary(project, node.routes, transportSummary(project, node));
    if (worker) {
      const { port, host, requestTimeout, maxConnections } = project.settings.gateway;
      const limits = { requestTimeout, maxConnections };
      const ready: ReadyMessage = { type: "ready", url: server.url, listen: { port, host }, limits, summary };
      process.send?.(ready);
    } else {
      ctx.out.out(banner(ctx.out.color, summary, server.url, runsNote(ctx.out.color, node)));
    }
    return untilStopped(server, worker, node.logger);
  },
};
