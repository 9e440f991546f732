// DBOS Transact (@dbos-inc/dbos-sdk, installed into bench/node_modules): the same three-step workflow,
// each step a DBOS.runStep, on the same PostgreSQL server (its system database made anew each run).
import { measureRuns } from "./flow-load.js";
import { load } from "./load.js";
import { benchDatabaseUrl, POOL_SIZE } from "./postgres.js";

/** The few members of DBOS used here (the package is not installed for the root type check). */
interface Dbos {
  setConfig(config: {
    name: string;
    systemDatabaseUrl: string;
    systemDatabasePoolSize: number;
    logLevel: string;
  }): void;
  registerWorkflow<A extends unknown[], R>(
    fn: (...args: A) => Promise<R>,
    config: { name: string },
  ): (...args: A) => Promise<R>;
  runStep<R>(fn: () => Promise<R>, config: { name: string }): Promise<R>;
  launch(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function dbos(): Promise<void> {
  const { DBOS } = await load<{ DBOS: Dbos }>("@dbos-inc/dbos-sdk");
  DBOS.setConfig({
    name: "tesserae-bench",
    systemDatabaseUrl: await benchDatabaseUrl("dbos", true),
    systemDatabasePoolSize: POOL_SIZE,
    logLevel: "error",
  });
  const threeSteps = DBOS.registerWorkflow(
    async (n: number) => {
      const a = await DBOS.runStep(async () => n + 1, { name: "one" });
      const b = await DBOS.runStep(async () => a * 2, { name: "two" });
      return DBOS.runStep(async () => b - 1, { name: "three" });
    },
    { name: "threeSteps" },
  );
  await DBOS.launch();
  if ((await threeSteps(1)) !== 3) throw new Error("the workflow gave a wrong answer");
  await measureRuns(async (n) => {
    if ((await threeSteps(n)) !== 2 * (n + 1) - 1) throw new Error(`run ${n}: wrong answer`);
  }, 3);
  await DBOS.shutdown();
}
