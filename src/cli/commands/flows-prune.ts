import { CliError } from "../cli-error.js";
import type { CliContext } from "../command.js";
import { table } from "../output.js";

/** What `POST /flows/prune` answers. */
interface PruneAnswer {
  readonly dryRun: boolean;
  readonly runs: number;
  readonly flows: Readonly<Record<string, number>>;
  readonly more: boolean;
}

/** `--older-than 30d`, `12h`, or milliseconds (`3600000`) as the API takes it. */
function olderThan(raw: string | number | boolean | string[] | undefined): string | number | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || raw.trim() === "")
    throw new CliError('--older-than expects a duration such as "30d", "12h", "90m", or milliseconds');
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

/**
 * `tesserae flows prune [--flow <name>] [--older-than <duration>] [--keep <n>] [--dry-run]`: deletes
 * finished runs through the node's `POST /flows/prune`, a bounded batch per request, asking again
 * while the node says there are more; prints the runs deleted (or that would be) per flow.
 */
export async function pruneRuns(
  ctx: CliContext,
  call: (entry: string, input: unknown) => Promise<unknown>,
): Promise<number> {
  const body: Record<string, unknown> = {};
  if (typeof ctx.options.flow === "string") body.flow = ctx.options.flow;
  const age = olderThan(ctx.options["older-than"]);
  if (age !== undefined) body.olderThan = age;
  if (typeof ctx.options.keep === "number") body.keep = ctx.options.keep;
  const dryRun = ctx.options["dry-run"] === true;
  if (dryRun) body.dryRun = true;
  const flows = new Map<string, number>();
  let total = 0;
  for (;;) {
    const answer = (await call("prune", body)) as PruneAnswer;
    total += answer.runs;
    for (const [flow, n] of Object.entries(answer.flows)) flows.set(flow, (flows.get(flow) ?? 0) + n);
    // A dry run counts everything at once; a batch that deleted nothing would only repeat itself.
    if (dryRun || !answer.more || answer.runs === 0) break;
  }
  const rows = [...flows].filter(([, n]) => n > 0);
  if (rows.length > 0)
    ctx.out.out(
      table([["FLOW", dryRun ? "WOULD PRUNE" : "PRUNED"], ...rows.map(([f, n]) => [f, String(n)])]),
    );
  const runs = `${total} finished run${total === 1 ? "" : "s"}`;
  ctx.out.out(dryRun ? `would prune ${runs} (dry run: nothing deleted)` : `pruned ${runs}`);
  return 0;
}
