// The protocol between the runner and a peer child process: one line on stdout.

/** An HTTP peer tells the runner where it listens, then serves until SIGTERM. */
export function announceServer(url: string, close: () => Promise<unknown>): void {
  process.stdout.write(`READY ${url}\n`);
  const stop = () => {
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

/** An in-process peer prints its measurement and exits. */
export function reportResult(result: object): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

/** Reads a positive number from the environment the runner sets. */
export function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
