// Ratios against Tesserae, the table printed at the end, and the JSON written to bench/results/.
import { type Peer, type Scenario, TESSERA } from "./scenarios.js";
import type { WrkResult } from "./wrk.js";

/** One measurement of one peer. */
export interface Measurement extends Partial<WrkResult> {
  readonly rate: number;
  /** Share of one core the peer used while measured. */
  readonly cpuPercent?: number;
  /** A line the peer adds to its figure (printed as it is measured). */
  readonly detail?: string;
}

/** The measurements of one peer in one scenario, over the rounds. */
export interface Samples {
  readonly runs: Measurement[];
  error?: string;
}

export interface Row {
  readonly scenario: string;
  readonly peer: string;
  readonly unit: string;
  /** Median over the rounds. */
  readonly rate?: number;
  readonly rounds?: readonly number[];
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  /** Share of one core the peer process used while measured (median). */
  readonly cpuPercent?: number;
  /** Throughput per full core (rate ÷ cpu share): less sensitive to other work on a shared machine. */
  readonly ratePerCore?: number;
  readonly non2xx?: number;
  readonly socketErrors?: number;
  readonly target?: number;
  readonly note?: string;
  readonly error?: string;
  /** Tesserae's rate divided by this peer's. */
  ratio?: number;
  /** The same with the rates per full core. */
  ratioPerCore?: number;
  met?: boolean;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const rounded = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** What a scenario's rates count. */
export function unitOf(scenario: Scenario): string {
  return scenario.kind === "http" ? "req/s" : (scenario.unit ?? "calls/s");
}

/** The row of one peer: medians over the rounds (error counts summed). */
export function summarise(scenario: Scenario, peer: Peer, s: Samples): Row {
  const base = {
    scenario: scenario.name,
    peer: peer.name,
    unit: unitOf(scenario),
    ...(peer.target === undefined ? {} : { target: peer.target }),
    ...(peer.note === undefined ? {} : { note: peer.note }),
    ...(s.error === undefined ? {} : { error: s.error }),
  };
  if (s.runs.length === 0) return { ...base, error: s.error ?? "no measurement" };
  const medianOf = (pick: (m: Measurement) => number | undefined, digits: number) => {
    const values = s.runs.map(pick).filter((v): v is number => v !== undefined);
    return values.length === 0 ? undefined : rounded(median(values), digits);
  };
  const sum = (pick: (m: Measurement) => number | undefined) =>
    s.runs.reduce((n, m) => n + (pick(m) ?? 0), 0);
  const p50Ms = medianOf((m) => m.p50Ms, 3);
  const p99Ms = medianOf((m) => m.p99Ms, 3);
  const cpuPercent = medianOf((m) => m.cpuPercent, 1);
  const ratePerCore = medianOf((m) => (m.cpuPercent ? m.rate / (m.cpuPercent / 100) : undefined), 0);
  return {
    ...base,
    rate: rounded(median(s.runs.map((m) => m.rate)), 0),
    rounds: s.runs.map((m) => rounded(m.rate, 0)),
    ...(p50Ms === undefined ? {} : { p50Ms }),
    ...(p99Ms === undefined ? {} : { p99Ms }),
    ...(cpuPercent === undefined ? {} : { cpuPercent }),
    ...(ratePerCore === undefined ? {} : { ratePerCore }),
    ...(scenario.kind === "http"
      ? { non2xx: sum((m) => m.non2xx), socketErrors: sum((m) => m.socketErrors) }
      : {}),
  };
}

/** Fills `ratio` and `met` of the rows of one scenario. */
export function applyRatios(rows: readonly Row[]): void {
  const ours = rows.find((r) => r.peer === TESSERA);
  for (const row of rows) {
    if (ours?.rate !== undefined && row.rate) {
      row.ratio = ours.rate / row.rate;
      if (row.target !== undefined) row.met = row.ratio >= row.target;
    }
    if (ours?.ratePerCore !== undefined && row.ratePerCore)
      row.ratioPerCore = ours.ratePerCore / row.ratePerCore;
  }
}

/** Below this share of its core, a peer was starved and its figure is too low to compare. */
const FULL_CORE_PERCENT = 90;
const disturbed = (row: Row) => row.cpuPercent !== undefined && row.cpuPercent < FULL_CORE_PERCENT;

const count = (n: number) => Math.round(n).toLocaleString("en-US");

function cells(row: Row): string[] {
  if (row.rate === undefined) return [row.scenario, row.peer, "failed", "", "", "", "", ""];
  const warn = (row.non2xx ?? 0) + (row.socketErrors ?? 0) > 0 ? " !" : "";
  return [
    row.scenario,
    row.peer,
    `${count(row.rate)} ${row.unit}${warn}`,
    row.p99Ms === undefined ? "" : `${row.p99Ms.toFixed(2)} ms`,
    row.cpuPercent === undefined ? "" : `${row.cpuPercent.toFixed(0)}%${disturbed(row) ? " *" : ""}`,
    row.ratio === undefined ? "" : `${row.ratio.toFixed(2)}×`,
    row.target === undefined ? "" : `≥ ${row.target.toFixed(2)}×`,
    row.met === undefined ? "" : row.met ? "yes" : "NO",
  ];
}

/** A plain-text table; numbers right-aligned. */
export function formatTable(rows: readonly Row[]): string {
  const header = ["scenario", "peer", "throughput", "p99", "cpu", "tesserae ÷ peer", "target", "met"];
  const body = rows.map(cells);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const right = new Set([2, 3, 4, 5, 6]);
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

/** What the columns mean, and a warning when a figure is suspect. */
export function legend(rows: readonly Row[]): string {
  const lines = [
    "tesserae ÷ peer: Tesserae's throughput divided by the peer's; target: the minimum of issue 2.",
    "cpu: share of one core the measured process used (about 100 % when it had its core to itself;",
    "     much less means other work on the machine took it, and that figure is low).",
  ];
  if (rows.some(disturbed)) {
    lines.push(
      `*: under ${FULL_CORE_PERCENT} % of its core: that figure and its ratio are not reliable; run again or use --rounds 3.`,
    );
  }
  if (rows.some((r) => (r.non2xx ?? 0) + (r.socketErrors ?? 0) > 0)) {
    lines.push(
      "!: wrk saw non-2xx responses or socket errors for that peer (see the lines above the table).",
    );
  }
  return lines.join("\n");
}
