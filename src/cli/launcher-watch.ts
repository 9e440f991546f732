/**
 * Calls `onGone` once when the npm process that launched this one is gone, checked every
 * `intervalMs` on an unref'd timer (it keeps nothing alive). A process manager or container that
 * runs `npm start` holds npm's PID, and npm cannot pass on a SIGKILL: without this the server
 * would outlive it, re-parented to PID 1, still holding its port and its flow runs.
 *
 * Only under npm (`npm_lifecycle_event` set): npm is a launcher with no reason to outlive, so its
 * death means "stop". A server started by a shell and left behind on purpose (`nohup tesserae
 * start &`, a daemonizing script) sees its parent change too, and must keep running.
 * Returns a function that stops watching.
 */
export function watchLauncher(
  onGone: (why: string) => void,
  env: NodeJS.ProcessEnv = process.env,
  intervalMs = 500,
): () => void {
  if (env.npm_lifecycle_event === undefined) return () => undefined;
  const launcher = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === launcher) return;
    clearInterval(timer);
    onGone(`npm (pid ${launcher}), which launched this process, is gone`);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
