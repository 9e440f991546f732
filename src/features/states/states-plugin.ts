import type { Context } from "../../core/context.js";
import { TesseraError } from "../../core/errors.js";
import type { NodePlugin, TesseraNode } from "../../core/node.js";
import { rootContext } from "../../core/root-context.js";
import type { StateDef, StateHandle } from "./state.js";
import { type HolderOptions, StateHolder } from "./state-holder.js";
import { type OwnerOptions, StateOwner } from "./state-owner.js";
import { STATES, stateUsesOf } from "./state-uses.js";

export interface ReplicatedStatesOptions extends OwnerOptions, HolderOptions {
  /**
   * `false`: the states this node's services own are only held here (read from the running owner,
   * updates refused), as in one-off commands (`tesserae call`): a process that does not join the
   * system must not claim a state and fence its running owner. Default true.
   */
  readonly own?: boolean;
}

/** The states of one node: its owners and its holders (one per state, shared by its holding services). */
interface NodeStates {
  readonly owners: Map<string, { readonly service: string; readonly owner: StateOwner<object> }>;
  readonly holders: Map<string, { readonly services: Set<string>; readonly holder: StateHolder<object> }>;
}

/**
 * The replicated-states feature, a node plugin: for each state a local service owns it runs the
 * owner (snapshots, numbering, the stored value), for each state a local service holds one local
 * copy, and it gives both to handlers through `ctx.use(state)`. States travel on the node's
 * transport: in memory in one process, on NATS (and JetStream for the stored value) across
 * processes.
 *
 * @example
 * const node = createNode({ services: [feed, trader], transport, plugins: [replicatedStates()] });
 */
export function replicatedStates(options: ReplicatedStatesOptions = {}): NodePlugin {
  let states: NodeStates | undefined;

  const build = (node: TesseraNode): NodeStates => {
    const host = { transport: node.transport, codec: node.codec, logger: node.logger };
    const built: NodeStates = { owners: new Map(), holders: new Map() };
    for (const svc of node.services) {
      for (const use of stateUsesOf(svc)) {
        const name = use.state.name;
        if (use.role === "owner" && options.own !== false) {
          const other = built.owners.get(name);
          if (other !== undefined) {
            throw TesseraError.definition(
              name,
              `state "${name}" has two owners on this node: ${other.service} and ${svc.name}`,
            );
          }
          built.owners.set(name, {
            service: svc.name,
            owner: new StateOwner(use.state as StateDef<string, object>, host, options),
          });
        } else {
          let entry = built.holders.get(name);
          if (entry === undefined) {
            entry = {
              services: new Set(),
              holder: new StateHolder(use.state as StateDef<string, object>, host, options),
            };
            built.holders.set(name, entry);
          }
          entry.services.add(svc.name);
          const onChange = use.role === "holder" ? use.onChange : undefined;
          if (onChange !== undefined) {
            const ctx: Context = rootContext(node, `${svc.name}.state`);
            const log = node.logger.child({ state: name, service: svc.name });
            entry.holder.onChange((change) => {
              try {
                const r = onChange(change as never, ctx);
                if (r instanceof Promise) r.catch((err: unknown) => log.error("onChange failed", { err }));
              } catch (err) {
                log.error("onChange failed", { err });
              }
            });
          }
        }
      }
    }
    return built;
  };

  const provide = (node: TesseraNode, built: NodeStates) => {
    const defs = new Map<string, StateDef>();
    for (const svc of node.services) for (const use of stateUsesOf(svc)) defs.set(use.state.name, use.state);
    for (const [name, def] of defs) {
      node.provide(def, (service): StateHandle<object> => {
        const owned = built.owners.get(name);
        if (owned?.service === service) return owned.owner;
        const held = built.holders.get(name);
        if (held?.services.has(service)) return held.holder;
        throw TesseraError.definition(
          `${service}.uses`,
          `service "${service}" neither owns nor holds state "${name}" (declare owns(${name}) or holds(${name}) in its uses)`,
        );
      });
    }
  };

  return {
    name: STATES,
    async start(node) {
      const built = build(node);
      states = built;
      provide(node, built);
      // Owners first: a holder of the same node then finds its owner for its first snapshot.
      for (const { owner } of built.owners.values()) await owner.start();
      await Promise.all([...built.holders.values()].map(({ holder }) => holder.start()));
    },
    async stop() {
      const built = states;
      states = undefined;
      if (built === undefined) return;
      await Promise.allSettled([...built.holders.values()].map(({ holder }) => holder.stop()));
      await Promise.allSettled([...built.owners.values()].map(({ owner }) => owner.stop()));
    },
  };
}
