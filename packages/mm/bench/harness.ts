/**
 * A small bench harness: each case runs in its own Node process (`--case=<name>`), warmed up, repeated, and
 * the median printed. Wall-clock figures only.
 * @packageDocumentation
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

/** One measured case. */
export interface BenchCase {
  /** Row label. */
  readonly name: string;
  /** Operations per repetition. */
  readonly ops: number;
  /** What one operation is. */
  readonly unit: string;
  /** Sets up (untimed) and returns the timed body. */
  setup(): Promise<() => unknown>;
}

const REPS = 7;

/** Runs one case here, or every case in a child process each, printing a table. */
export async function runBench(title: string, file: string, cases: readonly BenchCase[]): Promise<void> {
  const arg = process.argv.find((a) => a.startsWith('--case='));
  if (arg !== undefined) {
    const c = cases.find((x) => x.name === arg.slice(7));
    if (c === undefined) throw new RangeError(`bench: no case ${arg}`);
    const body = await c.setup();
    body();
    const times: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now();
      body();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[REPS >> 1] ?? 0;
    process.stdout.write(JSON.stringify({ ns: (median * 1e6) / c.ops }));
    return;
  }
  process.stdout.write(`${title}\n`);
  for (const c of cases) {
    const out = execFileSync(process.execPath, [file, `--case=${c.name}`], { encoding: 'utf8' });
    const { ns } = JSON.parse(out) as { ns: number };
    const rate = 1e9 / ns;
    const r = rate >= 1e6 ? `${(rate / 1e6).toFixed(2)} M/s` : `${(rate / 1e3).toFixed(1)} k/s`;
    process.stdout.write(
      `  ${c.name.padEnd(58)} ${ns.toFixed(0).padStart(9)} ns/${c.unit}  ${r.padStart(11)} ${c.unit}s\n`,
    );
  }
}
