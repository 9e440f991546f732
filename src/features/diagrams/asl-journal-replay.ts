import { AsyncLocalStorage } from "node:async_hooks";
import { TesseraError } from "../../core/errors.js";
import type { JournalEntry } from "../../ports/flow-store.js";
import type { AslEffects } from "../declared-flows/asl/asl-effects.js";
import type { AslMachine, Json } from "../declared-flows/asl/asl-types.js";
import type { RunSnapshot } from "../declared-flows/run-snapshot.js";
import { rebuild } from "../flows/flow-errors.js";

/**
 * Where a replay left a node in one scope: `entered` (no outcome yet), `done`, `failed` (by an error,
 * or its last attempt failed and a Catch took it), `running` (its effect is not journaled yet) or
 * `waiting` (the run sleeps in it: a Wait, a retry's delay).
 */
export type Mark = "entered" | "done" | "failed" | "running" | "waiting";

/** A sequence of effects of the run's code, as the engine numbers them (see flows/branches.ts). */
interface ReplayScope {
  readonly path: string;
  count: number;
  /** The node this scope's code is in. */
  current?: string;
}

/** After this many states a replay stops (a Choice loop without effects would never end). */
const MAX_STATES = 100_000;
const never = <T>() => new Promise<T>(() => undefined);

/**
 * The effects of a States Language run read back from its journal, by position as the engine
 * numbers them: a Task's journaled outcome, a sleep's deadline, a drawn value, a Parallel's
 * outcome. Running the machine with them takes the way the run took (its Choices decided on the
 * same data) and {@link visit} notes each state's mark. Where the journal ends, the replay stops
 * there (its promise never settles): the run is still on it, or the run ended elsewhere.
 *
 * @example
 * const replay = new JournalReplay(run.id, snapshot, journal, idOf, true);
 * void new AslExecution(replay, run.input).run(machine, run.input).catch(() => undefined);
 * await replay.settled();
 */
export class JournalReplay implements AslEffects {
  readonly machineName: string;
  readonly startTime?: number;
  /** Each node's mark in each scope it ran in (a Map's iterations run the same nodes). */
  readonly marks = new Map<string, Map<string, Mark>>();
  /** How many times each node was entered. */
  readonly entered = new Map<string, number>();
  private readonly byPosition = new Map<string, JournalEntry>();
  /** The last position's number in each scope (a sleep that is the last of its scope is where the run sleeps). */
  private readonly lastIn = new Map<string, number>();
  private readonly als = new AsyncLocalStorage<ReplayScope>();
  // Position 1 of the flow's own code is the snapshot: the machine starts at 2.
  private readonly root: ReplayScope = { path: "", count: 1 };
  private states = 0;
  private progress = 0;

  constructor(
    readonly executionId: string,
    private readonly snapshot: RunSnapshot,
    journal: readonly JournalEntry[],
    private readonly idOf: (machine: AslMachine, name: string) => string | undefined,
    /** Whether the run may still go on (not ended): an effect not journaled is then in flight. */
    private readonly live: boolean,
  ) {
    this.machineName = snapshot.definition.name;
    if (snapshot.startedAt !== undefined) this.startTime = snapshot.startedAt;
    for (const e of journal) {
      if (e.seq <= 0) continue;
      const position = e.position ?? String(e.seq);
      this.byPosition.set(position, e);
      const cut = position.lastIndexOf("/");
      const scope = cut < 0 ? "" : position.slice(0, cut);
      const n = Number(position.slice(cut + 1));
      if (n > (this.lastIn.get(scope) ?? 0)) this.lastIn.set(scope, n);
    }
  }

  /** Resolves once the replay goes no further (every way it took settled or stopped). */
  async settled(): Promise<void> {
    let before = -1;
    while (before !== this.progress) {
      before = this.progress;
      await new Promise(setImmediate);
      await new Promise(setImmediate);
    }
  }

  visit(machine: AslMachine, name: string, event: "enter" | "leave" | "fail"): void {
    this.progress++;
    const id = this.idOf(machine, name);
    if (id === undefined) return;
    const scope = this.scope();
    if (event === "enter") {
      scope.current = id;
      this.entered.set(id, (this.entered.get(id) ?? 0) + 1);
      this.mark(scope, "entered", id);
    } else if (event === "fail") this.mark(scope, "failed", id);
    // Left for the next state: done, unless its last attempt failed and a Catch took the error.
    else if (this.marks.get(id)?.get(scope.path) !== "failed") this.mark(scope, "done", id);
  }

  async task(_name: string, resource: string, _input: Json): Promise<Json> {
    if (this.snapshot.services[resource] === undefined)
      throw TesseraError.notFound(`service ${resource} is not registered`);
    const { scope, entry } = this.next();
    if (entry === undefined || entry.state === "pending") {
      this.mark(scope, this.live ? "running" : "entered");
      return never();
    }
    if (entry.state === "ok") {
      this.mark(scope, "entered");
      return entry.value as Json;
    }
    this.mark(scope, "failed");
    throw rebuild(entry.value);
  }

  async sleep(): Promise<void> {
    const { scope, entry, position } = this.next();
    if (entry === undefined) {
      if (this.live) this.mark(scope, "running");
      return never();
    }
    const n = Number(position.slice(position.lastIndexOf("/") + 1));
    if (this.live && n >= (this.lastIn.get(scope.path) ?? 0)) {
      this.mark(scope, "waiting");
      return never();
    }
  }

  async sleepUntil(_name: string, at: number): Promise<void> {
    if (at > this.now()) await this.sleep();
  }

  parallel<T>(branches: readonly (() => Promise<T>)[]): Promise<T[]> {
    const { scope, entry, position } = this.next();
    const runs = branches.map((b, i) =>
      this.als.run({ path: `${position}.${i}`, count: 0 }, () => Promise.resolve().then(b)),
    );
    if (entry?.state === "ok") {
      this.mark(scope, "entered"); // a retry that succeeded after a failed round
      return Promise.all(runs);
    }
    for (const r of runs) r.catch(() => undefined);
    if (entry !== undefined) {
      this.mark(scope, "failed");
      return Promise.reject(rebuild(entry.value));
    }
    // No outcome journaled: the parallel is still on, or its branches' failure is not written yet.
    return Promise.all(runs).catch(() => never<T[]>());
  }

  now(): number {
    return this.drawn(Date.now);
  }

  random(): number {
    return this.drawn(Math.random);
  }

  uuid(): string {
    return this.drawn(() => "00000000-0000-4000-8000-000000000000");
  }

  tick(): Promise<void> | undefined {
    this.progress++;
    if (++this.states > MAX_STATES) return never();
    return this.states % 500 === 0 ? new Promise(setImmediate) : undefined;
  }

  private drawn<T>(otherwise: () => T): T {
    const { entry } = this.next();
    return entry === undefined ? otherwise() : (entry.value as T);
  }

  private scope(): ReplayScope {
    return this.als.getStore() ?? this.root;
  }

  /** The next position of the calling code's scope and its journaled entry. */
  private next(): { scope: ReplayScope; position: string; entry: JournalEntry | undefined } {
    this.progress++;
    const scope = this.scope();
    const k = ++scope.count;
    const position = scope.path === "" ? `${k}` : `${scope.path}/${k}`;
    return { scope, position, entry: this.byPosition.get(position) };
  }

  private mark(scope: ReplayScope, mark: Mark, id = scope.current): void {
    if (id === undefined) return;
    const byScope = this.marks.get(id) ?? new Map<string, Mark>();
    this.marks.set(id, byScope.set(scope.path, mark));
  }
}
