import { Cron } from "croner";
import type { FlowDef } from "./flow.js";
import type { CronTrigger } from "./triggers.js";

type Fire = (flow: FlowDef, input: unknown, idempotencyKey: string) => Promise<void>;

// setTimeout holds at most 2^31-1 ms; a longer wait is taken in steps.
const MAX_DELAY = 2_147_000_000;

/**
 * Schedules the cron triggers of the flows. Each tick is the run's idempotency key
 * (`cron:<pattern>:<ISO time of the tick>`), so that when every worker fires the same tick, the
 * store keeps one run: a schedule fires once per tick across nodes, not once per node.
 */
export class CronScheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = false;

  constructor(
    private readonly flows: readonly FlowDef[],
    private readonly now: () => number,
    private readonly fire: Fire,
  ) {}

  start(): void {
    this.running = true;
    for (const f of this.flows) {
      for (const t of f.options.triggers ?? []) if (t.kind === "cron") this.arm(f, t, new Date(this.now()));
    }
  }

  stop(): void {
    this.running = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private arm(f: FlowDef, t: CronTrigger, after: Date): void {
    if (!this.running) return;
    const cron = new Cron(t.pattern, { paused: true, ...(t.timezone ? { timezone: t.timezone } : {}) });
    const tick = cron.nextRun(after);
    cron.stop();
    if (tick === null) return;
    const wait = (): void => {
      const delay = tick.getTime() - this.now();
      const timer = setTimeout(
        () => {
          this.timers.delete(timer);
          if (!this.running) return;
          if (tick.getTime() > this.now()) return wait();
          const key = `cron:${t.pattern}:${tick.toISOString()}`;
          this.fire(f, t.input(tick), key).catch(() => undefined);
          this.arm(f, t, tick);
        },
        Math.min(Math.max(0, delay), MAX_DELAY),
      );
      this.timers.add(timer);
    };
    wait();
  }
}
