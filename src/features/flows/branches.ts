import { AsyncLocalStorage } from "node:async_hooks";
import { TesseraError } from "../../core/errors.js";
import { errorBody, FlowControl, isControl, rebuild } from "./flow-errors.js";
import type { ReplayJournal } from "./replay-journal.js";

/**
 * A branch stopped because a sibling failed: thrown by an effect the branch asks for once it was
 * cancelled (nothing runs, nothing is journaled) and by its abandoned waits and timers. A control
 * error, so that a branch catching its calls' errors cannot swallow it and go on.
 */
export class BranchCancelled extends FlowControl {
  override readonly name = "BranchCancelled";
  readonly code = "TESSERA_CANCELLED";
}

/**
 * One sequence of effects in a run's code: the flow's own (the root, path "") or a branch of a
 * `ctx.parallel` (path `"3.1"`: branch 1 of the parallel at position 3; nested `"3.1/2.0"`). Each
 * effect takes the next position of its scope, so that a replay finds it by position whatever order
 * the branches ran in. A cancelled branch (a sibling failed) refuses new effects, aborts the
 * `signal` of those in flight and abandons its waits; cancelling one cancels its nested branches.
 */
export class Scope {
  private count = 0;
  private readonly children: Scope[] = [];
  private controller: AbortController | undefined;
  private readonly abandon = new Set<() => void>();
  cancelled: string | undefined;

  constructor(
    readonly owner: object,
    readonly path: string,
    /** A parallel whose outcome is journaled replays its branches: a branch may not run anything new. */
    readonly sealed: boolean,
  ) {}

  get isBranch(): boolean {
    return this.path !== "";
  }

  /** The position of the scope's next effect. */
  position(): string {
    const k = ++this.count;
    return this.path === "" ? `${k}` : `${this.path}/${k}`;
  }

  /** The branch `i` of a parallel at `position` in this scope. */
  branch(position: string, i: number, sealed: boolean): Scope {
    const s = new Scope(this.owner, `${position}.${i}`, sealed || this.sealed);
    this.children.push(s);
    if (this.cancelled !== undefined) s.cancel(this.cancelled);
    return s;
  }

  /** Aborted when the branch is cancelled: what a step or a call in flight is told to stop with. */
  get signal(): AbortSignal | undefined {
    if (!this.isBranch) return undefined;
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  /** Throws when the scope may not start a new effect (cancelled, or a sealed replay). */
  refuseNew(): void {
    if (this.cancelled !== undefined) throw new BranchCancelled(this.cancelled);
    if (this.sealed) throw new BranchCancelled(`branch ${this.path} ended when its parallel did`);
  }

  /** Cancels the branch and its nested ones: signals aborted, waits abandoned. */
  cancel(reason: string): void {
    if (this.cancelled !== undefined) return;
    this.cancelled = reason;
    this.controller?.abort(new BranchCancelled(reason));
    for (const a of [...this.abandon]) a();
    for (const c of this.children) c.cancel(reason);
  }

  /**
   * `p`, or a rejection with `BranchCancelled` as soon as the branch is cancelled (`onAbandon`
   * runs then: the wait is forgotten). The root is never cancelled: its waits stay as they are.
   */
  abandonable<T>(p: Promise<T>, onAbandon: () => void): Promise<T> {
    if (!this.isBranch) return p;
    if (this.cancelled !== undefined) {
      onAbandon();
      return Promise.reject(new BranchCancelled(this.cancelled));
    }
    return new Promise<T>((resolve, reject) => {
      const a = () => {
        this.abandon.delete(a);
        onAbandon();
        reject(new BranchCancelled(this.cancelled ?? "cancelled"));
      };
      this.abandon.add(a);
      p.then(
        (v) => {
          this.abandon.delete(a);
          resolve(v);
        },
        (e: unknown) => {
          this.abandon.delete(a);
          reject(e);
        },
      );
    });
  }

  /**
   * The journaled outcome of an effect that the cancellation of its branch cut short; `left` when
   * it had left the process (`details.mayHaveLanded`: it is compensated, see cut-short.ts).
   */
  cancelledBody(cause: unknown, left: boolean): ReturnType<typeof errorBody> {
    return new TesseraError("TESSERA_CANCELLED", `branch ${this.path} was cancelled: ${this.cancelled}`, {
      details: {
        branch: this.path,
        ...(left ? { mayHaveLanded: true } : {}),
        ...(cause === undefined ? {} : { cause: errorBody(cause) }),
      },
    }).toJSON();
  }
}

const current = new AsyncLocalStorage<Scope>();

/** The scope the calling code runs in, for the execution `owner` (its root when outside any branch). */
export function scopeOf(owner: object, root: Scope): Scope {
  const s = current.getStore();
  return s !== undefined && s.owner === owner ? s : root;
}

/**
 * Before a branch runs something new while a replay is under way: lets the other branches replay
 * what they journaled first (a failure among it cancels this branch before anything leaves). Replay
 * runs on microtasks and the budget's pauses: once a turn of the event loop sees no progress, the
 * replay is over.
 */
export async function replayFirst(journal: ReplayJournal, scope: Scope): Promise<void> {
  let before = -1;
  while (journal.unvisited > 0 && journal.unvisited !== before) {
    before = journal.unvisited;
    await new Promise(setImmediate);
    await new Promise(setImmediate);
  }
  scope.refuseNew();
}

/** A short sleep in memory; `end` runs once, when it is over or when its branch is cancelled. */
export function inlineSleep(scope: Scope, ms: number, end: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let over = false;
  const once = () => {
    if (over) return;
    over = true;
    end();
  };
  const slept = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  }).finally(once);
  // A cancelled branch does not sleep on.
  return scope.abandonable(slept, () => {
    clearTimeout(timer);
    once();
  });
}

/** What a parallel needs from its execution. */
export interface BranchHost {
  readonly journal: ReplayJournal;
  /** The scope of the code calling `parallel`. */
  scope(): Scope;
  /** Holds the run active (no suspension) while cancelled branches are awaited. */
  hold(): void;
  release(): void;
  /** Throws when the run may not go on (lease lost, cancellation, budget). */
  live(): void;
}

/**
 * Runs branches of a run's code side by side, each in its own scope: they advance independently (a
 * wait in one holds no other) and replay by position. When one fails, the others are cancelled —
 * their calls and steps in flight see their `signal` aborted and are awaited (each journals its
 * outcome: what completed is compensable, what was cut short is journaled cancelled), their waits
 * and timers are abandoned — and the parallel fails with the first failure that was not a
 * cancellation. Its outcome is journaled (kind `parallel`) once every branch settled; a replay of a
 * journaled parallel runs its branches again from the journal only (to rebuild their results and
 * compensations) and ends as it ended.
 */
export async function runParallel<T>(
  host: BranchHost,
  branches: readonly (() => T | Promise<T>)[],
): Promise<Awaited<T>[]> {
  const parent = host.scope();
  const position = parent.position();
  const rec = host.journal.replayed(position, "parallel", "parallel");
  const sealed = rec !== undefined;
  if (!sealed) {
    parent.refuseNew();
    host.live();
  }
  const scopes = branches.map((_, i) => parent.branch(position, i, sealed));
  const failures: { error: unknown; branch: number }[] = [];
  let held = false;
  const settled = await Promise.allSettled(
    branches.map((fn, i) =>
      current
        .run(scopes[i]!, () => Promise.resolve().then(fn))
        .catch((error: unknown) => {
          failures.push({ error, branch: i });
          if (!held) {
            held = true;
            host.hold();
          }
          const reason = `branch ${scopes[i]!.path} failed`;
          for (const s of scopes) s.cancel(reason);
          throw error;
        }),
    ),
  );
  if (held) host.release();
  if (rec !== undefined) {
    if (rec.state !== "ok") throw rebuild(rec.value);
    return settled.map((r) => (r as PromiseFulfilledResult<Awaited<T>>).value);
  }
  const control = failures.find((f) => isControl(f.error) && !(f.error instanceof BranchCancelled));
  if (control !== undefined) throw control.error;
  const cause = failures.find((f) => !isCancellation(f.error)) ?? failures[0];
  // Numbered once every branch settled: after its branches' effects, so that a retry of the failed
  // run (which resumes at its failures) drops the parallel's outcome with them.
  const seq = host.journal.seqFor(position, undefined);
  if (cause === undefined) {
    host.journal.add(host.journal.entry(seq, "parallel", "parallel", "ok", { branches: branches.length }));
    return settled.map((r) => (r as PromiseFulfilledResult<Awaited<T>>).value);
  }
  const body = { ...errorBody(cause.error) };
  host.journal.add(host.journal.entry(seq, "parallel", "parallel", "error", body));
  throw rebuild(body);
}

/** A branch's failure that only says it was cancelled (by the failure of another). */
function isCancellation(err: unknown): boolean {
  return (
    err instanceof BranchCancelled ||
    (err instanceof TesseraError &&
      err.code === "TESSERA_CANCELLED" &&
      typeof (err.details as { branch?: unknown } | undefined)?.branch === "string")
  );
}
