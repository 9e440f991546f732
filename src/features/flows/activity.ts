import type { Scope } from "./branches.js";
import type { Wait } from "./end-run.js";

const never = <T>() => new Promise<T>(() => undefined);

/** The longest delay `setTimeout` takes (about 24.8 days); a later due time re-arms the timer. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * What is going on in one activation of a run: its effects in flight and its parked waits. Once
 * only waits are left, the run suspends (`suspend`, on the next turn of the event loop). While
 * something else is in flight the activation stays alive, and a parked wait with a due time (a long
 * sleep, a retry's delay, a wait's deadline) resolves on time from an in-memory timer beside its
 * durable `dueAt`, so that a branch's sleep is never held by a sibling's long call.
 */
export class Activity {
  private inflight = 0;
  /** The parked waits, for the suspension (the earliest `dueAt`, the names waited for). */
  readonly waits: Wait[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private checking = false;
  private stopped = false;

  constructor(
    private readonly now: () => number,
    private readonly suspend: () => void,
  ) {}

  /** How many effects (or holds) are in flight. */
  get inFlight(): number {
    return this.inflight;
  }

  /** An effect leaves (or the run is held active): no suspension until it ends. */
  begin(): void {
    this.inflight++;
  }

  end(): void {
    this.inflight--;
    this.poke();
  }

  /**
   * Parks code in `scope` until its wait is over: never resolves by itself without `due` (a signal;
   * the run suspends and a later activation goes on), else `due()` is called at `dueAt` if the
   * activation is still alive then (the wait is forgotten first). A cancelled branch abandons it.
   */
  park<T>(
    scope: Scope,
    dueAt: number | undefined,
    name: string | undefined,
    due?: () => Promise<T>,
  ): Promise<T> {
    const wait: Wait = { dueAt, name };
    this.waits.push(wait);
    let timer: NodeJS.Timeout | undefined;
    const forget = () => {
      if (timer !== undefined) {
        clearTimeout(timer);
        this.timers.delete(timer);
      }
      const i = this.waits.indexOf(wait);
      if (i >= 0) this.waits.splice(i, 1);
    };
    const parked =
      dueAt === undefined || due === undefined
        ? never<T>()
        : new Promise<T>((resolve, reject) => {
            const arm = () => {
              timer = setTimeout(
                () => {
                  this.timers.delete(timer!);
                  if (this.stopped) return;
                  if (this.now() < dueAt) return arm();
                  forget();
                  due().then(resolve, reject);
                },
                Math.min(Math.max(0, dueAt - this.now()), maxTimerMs),
              );
              this.timers.add(timer);
            };
            arm();
          });
    this.poke();
    return scope.abandonable(parked, forget);
  }

  /** The activation is over (the run ended or suspended): its timers are cleared. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private poke(): void {
    if (this.waits.length === 0 || this.inflight > 0 || this.checking || this.stopped) return;
    this.checking = true;
    setImmediate(() => {
      this.checking = false;
      if (this.waits.length > 0 && this.inflight === 0 && !this.stopped) this.suspend();
    });
  }
}
