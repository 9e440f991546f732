// The in-process load: a closed loop that keeps a fixed number of calls in flight.

export interface LoopResult {
  readonly calls: number;
  readonly seconds: number;
}

/**
 * Keeps `concurrency` calls in flight for `ms` milliseconds and counts the completed ones.
 * Each loop reads the clock itself every few calls: calls that settle in microtasks would starve
 * any timer meant to stop them.
 */
export async function closedLoop(
  call: () => Promise<unknown>,
  concurrency: number,
  ms: number,
): Promise<LoopResult> {
  const start = performance.now();
  const end = start + ms;
  let calls = 0;
  const loop = async () => {
    while (performance.now() < end) {
      for (let i = 0; i < 32; i++) await call();
      calls += 32;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { calls, seconds: (performance.now() - start) / 1000 };
}
