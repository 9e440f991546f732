import { codecs } from "../core/codec.js";
import type { Logger } from "../core/logger.js";
import { createNode, type TesseraNode } from "../core/node.js";
import type { ServiceDef } from "../core/service.js";
import { discovery } from "../features/discovery/discovery.js";
import type { ServeOptions } from "../features/gateway/server.js";
import { directTransportFor } from "./direct-transport.js";
import type { Project } from "./load-project.js";
import { composeProject } from "./project-composition.js";
import { withDeadLetters } from "./project-dead-letters.js";
import { runServices } from "./run-services.js";
import { readServiceConfigFile } from "./service-config-file.js";
import type { StoreDrivers } from "./store-set.js";
import { isShared, transportFor } from "./transport-url.js";

export interface ProjectNodeOptions {
  /** `--services`: which of the project's services this node runs (default all; `none`: a gateway node). */
  readonly services?: string | undefined;
  /**
   * Joins the system: on a transport that processes share (NATS), the node announces itself and
   * learns the others (discovery), so that callers choose it and it chooses them. `tesserae start`
   * does; one-off commands (`call`, project commands) do not.
   */
  readonly announce?: boolean;
  /** The drivers of the stage's store (default better-sqlite3 and `pg`): one handle or pool is opened with them. */
  readonly drivers?: StoreDrivers;
}

/**
 * A node hosting the project's services on the transport its settings name (not started). The
 * transport's adapter is imported here, only when named.
 */
export async function createProjectNode(
  project: Project,
  logger: Logger,
  options: ProjectNodeOptions = {},
): Promise<TesseraNode> {
  const composed = composeProject(project, logger, options.drivers);
  // The config file's values: over the variables, under `--set service.key=…` and `--key value`.
  const file = project.settings.serviceConfig;
  const env =
    file === undefined ? project.env : { ...readServiceConfigFile(file, composed.services), ...project.env };
  const names = composed.services.map((s) => s.name);
  const run =
    options.services === undefined
      ? undefined
      : withDeadLetters(runServices(options.services, names), composed.services);
  const runs = (svc: ServiceDef) => run === undefined || run.includes(svc.name);
  const url = project.settings.transport;
  // host:port endpoints in the addresses file: direct sockets, no broker (else the transport setting).
  const direct = await directTransportFor(project, composed.services, composed.services.filter(runs), {
    transport: url,
    listen: options.announce === true,
  });
  return createNode({
    services: composed.services,
    ...(run === undefined ? {} : { run }),
    // Discovery last: it announces the node once the others run, and is the first to stop.
    plugins: [
      ...composed.plugins(runs, { mainLoops: options.announce === true }),
      ...(options.announce === true && isShared(url) ? [discovery()] : []),
    ],
    transport:
      direct ??
      (await transportFor(url, {
        name: project.name,
        security: project.settings.nats,
        securitySources: project.settings.natsSources,
        system: project.settings.system,
        jetstream: project.settings.jetstream,
        jetstreamSources: project.settings.jetstreamSources,
        logger,
      })),
    version: project.version,
    stage: project.stage,
    env,
    codec: codecs[project.settings.codec],
    ...(project.settings.inboxRetentionMs === undefined
      ? {}
      : { inboxRetentionMs: project.settings.inboxRetentionMs }),
    logger,
  });
}

/** The gateway options of the project's settings. */
export function serveOptions(project: Project): ServeOptions {
  const { port, host, bodyLimit, requestTimeout, shutdownTimeout, maxConnections, cors, authorize } =
    project.settings.gateway;
  const options: { -readonly [K in keyof ServeOptions]: ServeOptions[K] } = {
    port,
    host,
    openapi: { title: project.name, version: project.version, ...project.config.openapi },
  };
  if (bodyLimit !== undefined) options.bodyLimit = bodyLimit;
  if (requestTimeout !== undefined) options.requestTimeout = requestTimeout;
  if (shutdownTimeout !== undefined) options.shutdownTimeout = shutdownTimeout;
  if (maxConnections !== undefined) options.maxConnections = maxConnections;
  if (cors !== undefined) options.cors = cors;
  if (authorize !== undefined) options.authorize = authorize;
  return options;
}
