/**
 * A small bench harness: every case runs in a fresh Node process (so one case's call sites never make
 * another's megamorphic), repeated, and the median is printed. Wall-clock figures only; nothing here feeds
 * a simulation.
 * @packageDocumentation
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** One measured case: `run()` performs `ops` operations and returns a value that keeps the work alive. */
export interface BenchCase {
  /** Row label. */
  readonly name: string;
  /** Operations per repetition. */
  readonly ops: number;
  /** What one operation is (for the unit column). */
  readonly unit: string;
  /** Runs `ops` operations; may be async. */
  run(): unknown;
}

interface CaseResult {
  readonly name: string;
  readonly unit: string;
  readonly nsPerOp: number;
  readonly opsPerSec: number;
  readonly spread: number;
}

const REPS = 5;

async function measure(c: BenchCase): Promise<CaseResult> {
  let sink: unknown;
  sink = await c.run(); // warm-up (JIT)
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    sink = await c.run();
    times.push(performance.now() - t0);
  }
  if (sink === Symbol.for('never')) process.stdout.write('');
  times.sort((a, b) => a - b);
  const median = times[REPS >> 1] ?? 0;
  const ns = (median * 1e6) / c.ops;
  const spread = ((times[REPS - 1] ?? 0) - (times[0] ?? 0)) / median;
  return { name: c.name, unit: c.unit, nsPerOp: ns, opsPerSec: 1e9 / ns, spread };
}

function fmtRate(opsPerSec: number): string {
  return opsPerSec >= 1e6 ? `${(opsPerSec / 1e6).toFixed(1)} M/s` : `${(opsPerSec / 1e3).toFixed(0)} k/s`;
}

/**
 * Runs the named case when this process was started for one (`--case=<name>`), else runs every case in its
 * own child process and prints a table.
 * @param title - the table's heading
 * @param file - `import.meta.filename` of the bench script (re-run per case)
 * @param cases - the cases, built lazily so a child builds only its own
 */
export async function runBench(title: string, file: string, cases: readonly (() => BenchCase)[]): Promise<void> {
  const arg = process.argv.find((a) => a.startsWith('--case='));
  if (arg !== undefined) {
    const idx = Number(arg.slice('--case='.length));
    const make = cases[idx];
    if (make === undefined) throw new Error(`bench: no case ${idx}`);
    process.stdout.write(`${JSON.stringify(await measure(make()))}\n`);
    return;
  }
  process.stdout.write(`\n${title} (node ${process.version}, median of ${REPS}, each case in a fresh process)\n`);
  for (let i = 0; i < cases.length; i++) {
    const out = execFileSync(process.execPath, [file, `--case=${i}`], { encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as CaseResult;
    const line = `  ${r.name.padEnd(58)} ${r.nsPerOp.toFixed(1).padStart(8)} ns/${r.unit.padEnd(8)} ${fmtRate(r.opsPerSec).padStart(11)}  (spread ${(r.spread * 100).toFixed(0)}%)`;
    process.stdout.write(`${line}\n`);
  }
}
