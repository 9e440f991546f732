import type { Logger } from "../core/logger.js";
import type { ServiceDef } from "../core/service.js";
import { type EventSourcing, eventSourcing } from "../features/eventsourcing/event-sourcing.js";
import type { Project } from "./load-project.js";
import { resolveProjectionLease } from "./projection-settings.js";
import type { StoreSet } from "./store-set.js";

/**
 * The event-sourcing runtime of a project that declares `eventSourcing`, on the stage's store, and
 * the services built on it; the runtime joins the node as a plugin (outbox relay, async projections).
 * Its store is the store set's; its projections' lease comes from the project file's
 * `eventSourcing.projectionLease` and the `TESSERA_PROJECTIONS_*` variables (projection-settings.ts).
 */
export function projectEventSourcing(
  project: Project,
  stores: StoreSet,
  logger: Logger,
): { readonly es: EventSourcing; readonly services: readonly ServiceDef[] } | undefined {
  const config = project.config.eventSourcing;
  if (config === undefined) return undefined;
  const es = eventSourcing({
    store: stores.eventStore(),
    projections: config.projections ?? [],
    projectionLease: resolveProjectionLease(project.env, config.projectionLease),
    logger,
  });
  return { es, services: config.services(es) };
}
