import { TesseraError } from "../../core/errors.js";
import type { FlowDef } from "./flow.js";

/**
 * The flows an engine runs: those given in code, fixed for its life, and those defined while it
 * runs (declared flows, whose definitions arrive through an API), which a new definition of the
 * same name replaces.
 */
export class FlowDefinitions {
  private readonly flows = new Map<string, FlowDef>();
  /** Names of the flows added with `define` (they may be replaced; the ones given in code may not). */
  private readonly declared = new Set<string>();

  constructor(inCode: readonly FlowDef[]) {
    for (const f of inCode) {
      if (this.flows.has(f.name)) throw TesseraError.definition(f.name, `flow "${f.name}" is given twice`);
      this.flows.set(f.name, f);
    }
  }

  get all(): readonly FlowDef[] {
    return [...this.flows.values()];
  }

  get names(): string[] {
    return [...this.flows.keys()];
  }

  /** Adds a flow, or replaces a defined one of that name; a flow given in code is never replaced. */
  define(def: FlowDef): void {
    const prev = this.flows.get(def.name);
    if (prev !== undefined && !this.declared.has(def.name))
      throw new TesseraError(
        "TESSERA_DEFINITION",
        `flow "${def.name}" is defined in code: it cannot be replaced`,
      );
    this.declared.add(def.name);
    this.flows.set(def.name, def);
  }

  /** The flow of that name, or `TESSERA_NOT_FOUND`. */
  get(name: string): FlowDef {
    const f = this.flows.get(name);
    if (f === undefined) throw TesseraError.notFound(`no flow "${name}"`);
    return f;
  }

  find(name: string): FlowDef | undefined {
    return this.flows.get(name);
  }
}
