import type { Logger } from "../core/logger.js";
import { createNode, type TesseraNode } from "../core/node.js";
import type { ServeOptions } from "../features/gateway/server.js";
import type { Project } from "./load-project.js";
import { projectEventSourcing } from "./project-event-sourcing.js";
import { featurePlugins } from "./project-features.js";
import { projectFlowEngine } from "./project-flows.js";
import { transportFor } from "./transport-url.js";

/** A node hosting the project's services on the transport its settings name (not started). */
export function createProjectNode(project: Project, logger: Logger): TesseraNode {
  const flows = projectFlowEngine(project, logger);
  const es = projectEventSourcing(project, logger);
  return createNode({
    services: [
      ...project.services,
      ...(flows === undefined ? [] : [flows.service]),
      ...(es === undefined ? [] : es.services),
    ],
    plugins: [
      ...(flows === undefined ? [] : [flows]),
      ...(es === undefined ? [] : [es.es]),
      ...featurePlugins(project, project.services),
    ],
    transport: transportFor(project.settings.transport),
    stage: project.stage,
    env: project.env,
    logger,
  });
}

/** The gateway options of the project's settings. */
export function serveOptions(project: Project): ServeOptions {
  const { port, host, bodyLimit, requestTimeout, shutdownTimeout, cors, authorize } =
    project.settings.gateway;
  const options: { -readonly [K in keyof ServeOptions]: ServeOptions[K] } = {
    port,
    host,
    openapi: { title: project.name, version: project.version, ...project.config.openapi },
  };
  if (bodyLimit !== undefined) options.bodyLimit = bodyLimit;
  if (requestTimeout !== undefined) options.requestTimeout = requestTimeout;
  if (shutdownTimeout !== undefined) options.shutdownTimeout = shutdownTimeout;
  if (cors !== undefined) options.cors = cors;
  if (authorize !== undefined) options.authorize = authorize;
  return options;
}
