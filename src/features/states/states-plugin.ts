import type { Context } from "../../core/context.js";
import { TesseraError } from "../../core/errors.js";
import type { NodePlugin, TesseraNode } from "../../core/node.js";
import { rootContext } from "../../core/root-context.js";
import { type Addresses, checkAddresses, entryOf, loadAddresses } from "../connections/addresses.js";
import type { StateDef, StateHandle } from "./state.js";
import { type HolderOptions, StateHolder } from "./state-holder.js";
import { type OwnerOptions, StateOwner } from "./state-owner.js";
import { STATES, stateUsesOf } from "./state-uses.js";
import { type StateSubjects, stateSubjectsOf } from "./state-wire.js";

export interface ReplicatedStatesOptions extends OwnerOptions, HolderOptions {
  /**
   * `false`: the states this node's services own are only held here (read from the running owner,
   * updates refused), as in one-off commands (`tesserae call`): a process that does not join the
   * system must not claim a state and fence its running owner. Default true.
   */
  readonly own?: boolean;
  /**
   * The addresses of the system (an object, or the path of a JSON addresses file), as given to
   * `connections({ addresses })`: a state listed with a subject travels on it (updates on the
   * subject, snapshots on `<subject>.snapshot`, claims on `<subject>.claim`). Default: every state
   * on `tessera.state.<name>`. `tesserae start` gives the file `TESSERA_ADDRESSES` names.
   */
  readonly addresses?: Addresses | string;
}

/**
 * The states of one node: its owners (one per state) and its holders (one per state and subject,
 * by `<state> <subject>`, shared by the holding services that address it alike).
 */
interface NodeStates {
  readonly owners: Map<string, { readonly service: string; readonly owner: StateOwner<object> }>;
  readonly holders: Map<string, StateHolder<object>>;
  /** The holder each holding service reads, by `<service> <state>`. */
  readonly held: Map<string, StateHolder<object>>;
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
  // Checked as a file is, at construction: a bad entry is TESSERA_CONFIG before the node starts.
  const addresses: Addresses =
    typeof options.addresses === "string"
      ? loadAddresses(options.addresses)
      : checkAddresses(options.addresses ?? {}, "replicatedStates({ addresses })");

  /** Where `service` finds state `name`: the subject its addresses give, else the default ones. */
  const subjectsFor = (service: string, name: string): StateSubjects => {
    const entry = entryOf(addresses, service, name);
    if (entry?.topics !== undefined) {
      throw new TesseraError(
        "TESSERA_CONFIG",
        `addresses: state "${name}" takes no topics (topics select a subscriber's messages; a state's holders get every update): give "${name}" a subject or a host:port alone`,
      );
    }
    return stateSubjectsOf(name, entry?.subject);
  };

  const build = (node: TesseraNode): NodeStates => {
    const host = { transport: node.transport, codec: node.codec, logger: node.logger };
    const built: NodeStates = { owners: new Map(), holders: new Map(), held: new Map() };
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
          const subjects = subjectsFor(svc.name, name);
          built.owners.set(name, {
            service: svc.name,
            owner: new StateOwner(use.state as StateDef<string, object>, host, options, subjects),
          });
        } else {
          const subjects = subjectsFor(svc.name, name);
          const key = `${name} ${subjects.updates}`;
          let holder = built.holders.get(key);
          if (holder === undefined) {
            holder = new StateHolder(use.state as StateDef<string, object>, host, options, subjects);
            built.holders.set(key, holder);
          }
          built.held.set(`${svc.name} ${name}`, holder);
          const onChange = use.role === "holder" ? use.onChange : undefined;
          if (onChange !== undefined) {
            const ctx: Context = rootContext(node, `${svc.name}.state`);
            const log = node.logger.child({ state: name, service: svc.name });
            holder.onChange((change) => {
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
        const held = built.held.get(`${service} ${name}`);
        if (held !== undefined) return held;
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
      await Promise.all([...built.holders.values()].map((holder) => holder.start()));
    },
    async stop() {
      const built = states;
      states = undefined;
      if (built === undefined) return;
      await Promise.allSettled([...built.holders.values()].map((holder) => holder.stop()));
      await Promise.allSettled([...built.owners.values()].map(({ owner }) => owner.stop()));
    },
  };
}
