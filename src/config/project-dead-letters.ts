import type { NodePlugin } from "../core/node.js";
import type { ServiceDef } from "../core/service.js";
import { deadLetters } from "../features/dead-letters/dead-letters-service.js";
import type { Project } from "./load-project.js";
import { resolveManagementSettings } from "./management-settings.js";

/** Whether a service subscribes to a durable event: its consumers dead-letter what they fail. */
export function consumesDurably(svc: ServiceDef): boolean {
  return Object.values(svc.options.on ?? {}).some((sub) => sub.event.durable);
}

/**
 * The dead-letter routes of a project whose services consume durable events (`/dlq`, what
 * `tesserae dlq` calls), under the management API's credentials (`management`,
 * `TESSERA_MANAGEMENT_*`): served in `dev`, and in another stage only when those credentials are
 * set (or `management.open`), never open by default.
 */
export function projectDeadLetters(
  project: Project,
  services: readonly ServiceDef[],
): { readonly service: ServiceDef; readonly plugin: NodePlugin } | undefined {
  if (!services.some(consumesDurably)) return undefined;
  const management = resolveManagementSettings(
    project.env,
    project.config.stages?.[project.stage]?.management,
    project.config.management,
    project.settings.gateway.authorize,
  );
  const guarded =
    management !== undefined &&
    (management.token !== undefined || management.authorize !== undefined || management.open === true);
  if (project.stage !== "dev" && !guarded) return undefined;
  return deadLetters(management === undefined ? {} : { management });
}

/**
 * The services `--services` names, plus the dead-letter service when one of them consumes durable
 * events: a node serves the dead letters of the consumers it runs, whatever `--services` says
 * (else its `/dlq` routes answer 503, no responders).
 */
export function withDeadLetters(run: readonly string[], services: readonly ServiceDef[]): string[] {
  const dlq = services.find((s) => s.name === DEAD_LETTERS);
  const consumes = services.some((s) => run.includes(s.name) && consumesDurably(s));
  return dlq === undefined || !consumes || run.includes(DEAD_LETTERS) ? [...run] : [...run, DEAD_LETTERS];
}

/** The dead-letter service's name. */
const DEAD_LETTERS = "dead-letters";
