import {
  type ConfigModel,
  type ConfigShape,
  type ConfigValues,
  configError,
  resolveConfig,
} from "./config.js";
import { TesseraError } from "./errors.js";
import type { ServiceDef } from "./service.js";

type Values = ReadonlyMap<string, Readonly<Record<string, unknown>>>;

/** The config of a node's services: resolved once, on first use (at the latest when the node starts). */
export class NodeConfig {
  private values: Values | undefined;

  constructor(
    /** The services the node runs. */
    private readonly services: readonly ServiceDef[],
    /** Every service the node knows, by name. */
    private readonly byName: ReadonlyMap<string, ServiceDef>,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  /** Every local service's config; `TESSERA_CONFIG` lists every problem at once. */
  resolved(): Values {
    if (this.values === undefined) {
      const { values, issues } = resolveConfig(this.services, this.env);
      if (issues.length > 0) throw configError(issues);
      this.values = values;
    }
    return this.values;
  }

  /** The typed config of the local service that declares `model` (name it when several do). */
  of<M extends ConfigShape>(model: ConfigModel<M>, service?: string): ConfigValues<M> {
    const owners = this.services.filter(
      (s) => s.options.config === model && (service === undefined || s.name === service),
    );
    if (owners.length !== 1) {
      throw TesseraError.definition(
        service ?? "config",
        owners.length === 0
          ? `no service${service === undefined ? "" : ` "${service}"`} of this node declares this config model`
          : `services ${owners.map((s) => s.name).join(", ")} declare this config model: name one`,
      );
    }
    return this.resolved().get(owners[0]!.name) as ConfigValues<M>;
  }

  /** The config behind `ctx.config(model)` of a handler serving `target` (`service.entry`). */
  ofTarget(target: string, model: ConfigModel): unknown {
    const name = target.slice(0, target.indexOf("."));
    if (this.byName.get(name)?.options.config !== model) {
      throw TesseraError.definition(
        target,
        `${target} reads a config model that service "${name}" does not declare (add \`config\` to its definition)`,
      );
    }
    return this.resolved().get(name);
  }
}
