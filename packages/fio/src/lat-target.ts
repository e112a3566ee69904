/**
 * Latency-target queue-depth profiling (`latency_target`, `latency_window`, `latency_percentile`,
 * `latency_run`): fio's `lat_target_*()` functions (io_u.c). The job starts at QD 1 and, once per window,
 * doubles the depth while the window's I/Os meet the target (bisecting once one failed), halving toward the
 * last good depth when they do not; when the depth stops changing it runs one more window at that depth with
 * fresh statistics and ends.
 * @packageDocumentation
 */
import type { ThreadData } from './thread-data.js';

/** Waits until nothing is in flight (`io_u_quiesce()`), as the runner provides it. */
export type Quiesce = (td: ThreadData) => Promise<unknown>;

function ioBlocks(td: ThreadData): number {
  return (td.ioBlocks[0] as number) + (td.ioBlocks[1] as number) + (td.ioBlocks[2] as number);
}

/** Models `lat_target_init()` (io_u.c): QD 1 with a target, else the full `iodepth`. */
export function latTargetInit(td: ThreadData): void {
  td.latencyEndRun = false;
  if (td.o.latencyTarget !== 0) {
    td.latencyTs = td.sched.now();
    td.latencyQd = 1;
    td.latencyQdHigh = td.o.iodepth;
    td.latencyQdLow = 1;
    td.latencyIos = ioBlocks(td);
  } else td.latencyQd = td.o.iodepth;
}

/** Models `lat_target_reset()` (io_u.c): a new start unless the final run is under way. */
export function latTargetReset(td: ThreadData): void {
  if (!td.latencyEndRun) latTargetInit(td);
}

/** Models `lat_new_cycle()` (io_u.c): a new window starts now. */
export function latNewCycle(td: ThreadData): void {
  td.latencyTs = td.sched.now();
  td.latencyIos = ioBlocks(td);
  td.latencyFailed = 0;
}

/**
 * Models the bookkeeping of `__lat_target_failed()` (io_u.c): the depth moves halfway down to the last good
 * one. fio then quiesces and starts a new window; {@link ThreadData.latencyQuiescePending} asks the I/O loop
 * to do that (a completion cannot wait).
 * @returns true when already at QD 1: the target cannot be met
 */
function latTargetLower(td: ThreadData): boolean {
  if (td.latencyQd === 1) return true;
  td.latencyQdHigh = td.latencyQd;
  if (td.latencyQd === td.latencyQdLow) td.latencyQdLow--;
  td.latencyQd = Math.trunc((td.latencyQd + td.latencyQdLow) / 2);
  td.latencyStableCount = 0;
  td.latencyQuiescePending = true;
  return false;
}

/**
 * Models `lat_target_failed()` (io_u.c), called when an I/O's latency exceeds the target: with
 * `latency_percentile=100` one such I/O lowers the depth at once, otherwise it is counted for the window.
 * @returns true when the target cannot be met even at QD 1 (fio fails the job with ETIMEDOUT)
 */
export function latTargetFailed(td: ThreadData): boolean {
  if (td.o.latencyPercentile === 100.0) return latTargetLower(td);
  td.latencyFailed++;
  return false;
}

/**
 * Models `lat_target_success()` (io_u.c): the window met the target; double the depth (or bisect up toward
 * the last failing one). When the depth stops changing, quiesce, reset the statistics and run one final
 * window (`latency_end_run`), then end the job (`done`). With `latency_run` the search never ends.
 */
async function latTargetSuccess(td: ThreadData, quiesce: Quiesce): Promise<void> {
  const qd = td.latencyQd;
  const o = td.o;
  td.latencyQdLow = td.latencyQd;
  if (td.latencyQd + 1 === td.latencyQdHigh) {
    // Stable: raise the ceiling by one after three successes in a row.
    if (++td.latencyStableCount >= 3) {
      td.latencyQdHigh++;
      td.latencyStableCount = 0;
    }
  }
  if (td.latencyQdHigh !== o.iodepth) td.latencyQd = Math.trunc((td.latencyQd + td.latencyQdHigh) / 2);
  else td.latencyQd *= 2;
  if (td.latencyQd > o.iodepth) td.latencyQd = o.iodepth;
  if (!o.latencyRun && td.latencyQd === qd) {
    if (td.latencyEndRun) td.done = true;
    else {
      await quiesce(td);
      td.latencyEndRun = true;
      td.resetAllStats();
    }
  }
  latNewCycle(td);
}

/**
 * Models `lat_target_check()` (io_u.c), called by the I/O loop: at the end of each `latency_window`, the
 * window succeeded if at least `latency_percentile` percent of its I/Os met the target.
 * @param td - the job
 * @param quiesce - `io_u_quiesce()`
 */
export async function latTargetCheck(td: ThreadData, quiesce: Quiesce): Promise<void> {
  const usecWindow = Math.trunc((td.sched.now() - td.latencyTs) / 1000);
  if (usecWindow < td.o.latencyWindow) return;
  const ios = ioBlocks(td) - td.latencyIos;
  const successIos = ((ios - td.latencyFailed) / ios) * 100.0;
  if (successIos >= td.o.latencyPercentile) await latTargetSuccess(td, quiesce);
  else if (!latTargetLower(td)) await latTargetSettle(td, quiesce);
}

/**
 * The second half of `__lat_target_failed()`: quiesce the I/O issued at the higher depth, then start a new
 * window, once {@link latTargetFailed} or {@link latTargetCheck} lowered the depth.
 */
export async function latTargetSettle(td: ThreadData, quiesce: Quiesce): Promise<void> {
  if (!td.latencyQuiescePending) return;
  td.latencyQuiescePending = false;
  await quiesce(td);
  latNewCycle(td);
}
