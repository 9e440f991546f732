import type { DeclaredFlowStore } from "../../ports/declared-flow-store.js";
import type { FlowStore } from "../../ports/flow-store.js";
import type { FlowDefinition } from "./definition.js";
import { servicesOf } from "./definition-services.js";

/** What {@link flowsUsing} reads: the definitions, the runs, and whether a run took its snapshot. */
export interface ServiceUseSources {
  readonly store: DeclaredFlowStore;
  readonly runs: FlowStore;
  /** Whether the run journaled its snapshot (then it no longer reads the registry). */
  readonly started: (runId: string) => Promise<boolean>;
}

const uses = (definition: unknown, service: string) =>
  servicesOf(definition as FlowDefinition).includes(service);

/**
 * The declared flows that still need a registered service, by name: those whose latest version
 * calls it (or compensates with it), and those with a queued run whose version calls it and that
 * has not yet taken its snapshot of the registry. Deleting such a service made these flows fail
 * later, at their next run; it is refused instead.
 */
export async function flowsUsing(service: string, from: ServiceUseSources): Promise<string[]> {
  const out = new Set<string>();
  for (const latest of await from.store.listDefinitions({ deleted: true })) {
    if (!latest.deleted && uses(latest.definition, service)) {
      out.add(latest.name);
      continue;
    }
    for (const run of await from.runs.listRuns({ flow: latest.name, status: "queued" })) {
      const version = await from.store.getDefinition(latest.name, Number(run.version));
      if (version !== undefined && uses(version.definition, service) && !(await from.started(run.id))) {
        out.add(latest.name);
        break;
      }
    }
  }
  return [...out].sort();
}
