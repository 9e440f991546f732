import { TesseraError } from "../../core/errors.js";
import { isAsl } from "../declared-flows/asl/asl-definition.js";
import type { DeclaredFlows } from "../declared-flows/declared-flows.js";
import type { FlowDefinition } from "../declared-flows/definition.js";
import type { FlowEngine } from "../flows/engine.js";
import { aslRunGraph } from "./asl-run-graph.js";
import { codedGraph } from "./coded-graph.js";
import { declaredGraph } from "./declared-graph.js";
import { declaredRunGraph } from "./declared-run-states.js";
import type { FlowGraph } from "./flow-graph.js";
import { journalLine } from "./journal-line.js";
import { codedRunGraph, journalSteps } from "./run-states.js";

/**
 * The diagrams of an engine's flows: declared flows from their definition, coded flows from their
 * source (the effects it issues, in order) or — when none can be read from it — from the journal
 * of their latest run; a run's diagram has each step coloured by its state.
 */
export class FlowDiagrams {
  constructor(
    private readonly engine: FlowEngine,
    private readonly declared?: DeclaredFlows,
  ) {}

  /** The diagram of a flow (a declared flow's latest version, or the given one). */
  async flow(name: string, version?: number): Promise<FlowGraph> {
    if (this.declared !== undefined && (this.declared.isDeclared(name) || !this.coded(name))) {
      const rec = await this.declared.definition(name, version);
      return declaredGraph(rec.definition as FlowDefinition);
    }
    const def = this.engine.flow(name);
    const fromCode = codedGraph(def);
    if (fromCode !== undefined) return fromCode;
    const [latest] = await this.engine.store.listRuns({ flow: name, limit: 1 });
    const journal = latest === undefined ? [] : await this.engine.store.journal(latest.id);
    return journalLine(name, journalSteps(journal), () => "done").graph;
  }

  /** The diagram of a run, each step with its state (done, running, waiting, failed, compensated). */
  async run(runId: string): Promise<FlowGraph> {
    const run = await this.engine.store.getRun(runId);
    if (run === undefined) throw TesseraError.notFound(`no run ${runId}`);
    const journal = await this.engine.store.journal(runId);
    if (this.declared?.isDeclared(run.flow)) {
      const snapshot = await this.declared.snapshotOf(runId);
      const def =
        snapshot?.definition ??
        ((await this.declared.definition(run.flow, Number(run.version))).definition as FlowDefinition);
      if (isAsl(def)) return aslRunGraph(def, snapshot, run, journal);
      return declaredRunGraph(def, run, journal);
    }
    const def = this.engine.definitions.find((f) => f.name === run.flow);
    return codedRunGraph(def === undefined ? undefined : codedGraph(def), run, journal);
  }

  private coded(name: string): boolean {
    return this.engine.definitions.some((f) => f.name === name);
  }
}
