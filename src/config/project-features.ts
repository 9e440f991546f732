import type { NodePlugin } from "../core/node.js";
import type { ServiceDef } from "../core/service.js";
import { CONNECTIONS } from "../features/connections/connection-uses.js";
import { connections } from "../features/connections/connections-plugin.js";
import { LIFECYCLE } from "../features/lifecycle/lifecycle.js";
import { lifecycleHooks } from "../features/lifecycle/lifecycle-plugin.js";
import { configArgs } from "../features/main-mode/config-args.js";
import { MAIN_MODE } from "../features/main-mode/main-loop.js";
import { mainMode } from "../features/main-mode/main-mode.js";
import { STATES } from "../features/states/state-uses.js";
import { replicatedStates } from "../features/states/states-plugin.js";
import type { Project } from "./load-project.js";
import { projectAddresses } from "./project-addresses.js";

/**
 * The plugins of the features that the project's services use (`uses`): replicated states and wired
 * connections (both wired by the addresses file that `TESSERA_ADDRESSES` names), main mode — in the
 * order they start: main loops last, so that they stop first, while states are still served.
 * `mainLoops: false` declares main mode without running the loops (one-off commands).
 */
export function featurePlugins(
  project: Project,
  services: readonly ServiceDef[],
  options: { readonly mainLoops?: boolean } = {},
): NodePlugin[] {
  const used = new Set(services.flatMap((s) => (s.options.uses ?? []).map((u) => u.feature)));
  const plugins: NodePlugin[] = [];
  // Read and checked here, against every service of the project: a name none declares is refused.
  const found = used.has(STATES) || used.has(CONNECTIONS) ? projectAddresses(project) : undefined;
  const wired = found === undefined ? {} : { addresses: found.addresses };
  // A one-off command holds the states its services own: claiming them would fence the running owner.
  if (used.has(STATES)) plugins.push(replicatedStates({ own: options.mainLoops !== false, ...wired }));
  if (used.has(CONNECTIONS)) plugins.push(connections(wired));
  // Every service's setup hooks run once states and connections are up, before any main loop; its
  // signal handlers on a node that joins the system (tesserae start), not in one-off commands.
  if (used.has(LIFECYCLE)) plugins.push(lifecycleHooks({ handleSignals: options.mainLoops !== false }));
  // mainMode runs the onSignal handlers on SIGINT/SIGTERM; the command that stops the node waits for them.
  // Main loops run on a node that joins the system (tesserae start), not in one-off commands.
  if (used.has(MAIN_MODE)) plugins.push(mainMode({ loops: options.mainLoops !== false }));
  return plugins;
}

/**
 * The project with extra `--key value` arguments merged into its services' config
 * (`--rate 100` → `ticker.rate=100`): an argument no service takes is refused.
 */
export function withConfigArgs(project: Project, argv: readonly string[]): Project {
  if (argv.length === 0) return project;
  return { ...project, env: { ...project.env, ...configArgs(project.services, argv) } };
}
