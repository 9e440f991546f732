import type { Logger } from "../core/logger.js";
import type { NodePlugin } from "../core/node.js";
import type { ServiceDef } from "../core/service.js";
import { flowsService } from "../features/flows/flows-service.js";
import type { Project } from "./load-project.js";
import { consumesDurably, projectDeadLetters } from "./project-dead-letters.js";
import { projectDeclaredFlows } from "./project-declared-flows.js";
import { projectEventSourcing } from "./project-event-sourcing.js";
import { featurePlugins } from "./project-features.js";
import { projectFlowEngine } from "./project-flows.js";
import { openStores, type StoreDrivers } from "./store-set.js";

/** What a project's node hosts: every service, the project's and its features', and their runtimes. */
export interface ProjectComposition {
  /**
   * The project's own services, then those of the features its file declares: the flows API
   * (`flows`), the declared flows (`declared-flows`, `machinery`, `diagrams`), the event-sourced
   * services, the dead letters (`dead-letters`, when they consume durable events: in `dev`,
   * elsewhere under management credentials).
   * `start`, `call`, `routes` and `openapi` all see this same list.
   */
  readonly services: readonly ServiceDef[];
  /**
   * The plugins of a node that runs the services `runs` accepts. A feature's runtime runs where its
   * services do: the flow engine with the flows API, event sourcing with its services, the plugins
   * of what the services here `use`. `mainLoops: false` declares main mode without running its loops.
   * The first one, `stores`, stops last: it closes the stage's stores and their one database handle
   * or pool once the features are stopped.
   */
  plugins(runs: (svc: ServiceDef) => boolean, options: { readonly mainLoops: boolean }): NodePlugin[];
}

/**
 * Builds the features a project declares (flow engine, declared flows, event sourcing) on the
 * stage's store, all on one database handle or pool (opened with `drivers`), and lists their
 * services after the project's own. Nothing is started here.
 */
export function composeProject(
  project: Project,
  logger: Logger,
  drivers: StoreDrivers = {},
): ProjectComposition {
  const stores = openStores(project.settings.store, drivers, logger);
  const flows = projectFlowEngine(project, stores, logger);
  // The engine's HTTP and bus face is composed here: the engine knows nothing of it.
  const flowsApi: ServiceDef[] = flows === undefined ? [] : [flowsService(flows)];
  const declared = projectDeclaredFlows(project, stores, flows);
  const es = projectEventSourcing(project, stores, logger);
  const features = [
    ...project.services,
    ...flowsApi,
    ...declared.services,
    ...(es === undefined ? [] : es.services),
  ];
  const dlq = projectDeadLetters(project, features);
  const services = dlq === undefined ? features : [...features, dlq.service];
  return {
    services,
    plugins: (runs, { mainLoops }) => [
      {
        name: "stores",
        stop: () => stores.close(),
        // Idempotent entries keep their first answers in the stage's store (issue 17), durable
        // consumers the event ids they handled.
        ...(idempotent(services.filter(runs)) || services.filter(runs).some(consumesDurably)
          ? { inbox: stores.inbox() }
          : {}),
      },
      ...(flows === undefined || !flowsApi.some(runs) ? [] : [flows]),
      // Declared flows run on the flow engine: they are there whenever it is.
      ...(declared.plugin === undefined || flows === undefined || !flowsApi.some(runs)
        ? []
        : [declared.plugin]),
      ...(es === undefined || !es.services.some(runs) ? [] : [es.es]),
      ...(dlq === undefined || !runs(dlq.service) ? [] : [dlq.plugin]),
      ...featurePlugins(project, project.services.filter(runs), { mainLoops }),
    ],
  };
}

/**
 * Every service of the project, features included, without opening its store: the definitions do
 * not depend on it, so listing routes creates no database file and needs no server.
 */
export function projectServices(project: Project, logger: Logger): readonly ServiceDef[] {
  const memory = {
    ...project.settings,
    store: { kind: "memory", url: "memory", display: "memory" },
  } as const;
  return composeProject({ ...project, settings: memory }, logger).services;
}

/** Whether one of `services` has an idempotent entry (then the node needs the store's inbox). */
function idempotent(services: readonly ServiceDef[]): boolean {
  return services.some((s) => Object.values(s.entries).some((e) => e.idempotent === true));
}
