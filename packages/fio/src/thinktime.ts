/**
 * Think time between I/Os (`thinktime`, `thinktime_spin`, `thinktime_blocks`, `thinktime_blocks_type`,
 * `thinktime_iotime`): `init_thinktime()` and `handle_thinktime()` (backend.c), in virtual time.
 * @packageDocumentation
 */
import { ioUQuiesce } from './io-u-ops.js';
import { usecSleep } from './rate.js';
import type { ThreadData } from './thread-data.js';
import type { DataDir } from './thread-options.js';

/**
 * Models `init_thinktime()` (backend.c): `thinktime_blocks` counts completed I/Os (`complete`) or issued ones
 * (`issue`), from the job's epoch.
 */
export function initThinktime(td: ThreadData): void {
  td.thinktimeBlocksCounter = td.o.thinktimeBlocksType === 'complete' ? td.ioBlocks : td.ioIssues;
  td.lastThinktime = td.epoch;
  td.lastThinktimeBlocks = 0;
}

/**
 * Models `usec_spin()` (time.c): busy-waits. The emulated CPU is not modelled, so spinning is waiting.
 * @returns µs spun
 */
async function usecSpin(td: ThreadData, usec: number): Promise<number> {
  await td.sched.sleep(usec * 1000);
  return usec;
}

/**
 * Models `handle_thinktime()` (backend.c): after every `thinktime_blocks` I/Os (or once `thinktime_iotime`
 * of I/O has passed), completes what is in flight, spins `thinktime_spin` and sleeps the rest of
 * `thinktime`. With `rate_ignore_thinktime` the rate is credited with the bytes the job would have done
 * meanwhile, so it does not catch up after the pause.
 * @param td - the job
 * @param ddir - direction of the I/O just issued
 */
export async function handleThinktime(td: ThreadData, ddir: DataDir): Promise<void> {
  const o = td.o;
  let stall = false;
  let now = 0;
  if (o.thinktimeIotime !== 0) {
    now = td.sched.now();
    if (Math.trunc((now - td.lastThinktime) / 1000) >= o.thinktimeIotime + o.thinktime) stall = true;
    // thinktime_blocks' default of 1 does not work together with thinktime_iotime: only an explicit value counts.
    else if (!o.setOptions.has('thinktime_blocks')) return;
  }
  const c = td.thinktimeBlocksCounter;
  const b = (c[0] as number) + (c[1] as number) + (c[2] as number);
  if (b >= td.lastThinktimeBlocks + o.thinktimeBlocks) stall = true;
  if (!stall) return;
  await ioUQuiesce(td);
  let total = 0;
  if (o.thinktimeSpin !== 0) total = await usecSpin(td, o.thinktimeSpin);
  const left = o.thinktime - total;
  if (left !== 0) total += await usecSleep(td, left);
  const bps = td.rateBps[ddir] as number;
  if (total !== 0 && bps !== 0 && o.rateIgnThink) {
    const missed = Math.trunc((bps * total) / 1_000_000);
    const bs = o.minBs[ddir];
    const usperop = Math.trunc((bs * 1_000_000) / bps);
    // fio's `(usperop - total) / usperop * -bs` is an unsigned division that is always 0 here.
    const over = usperop <= total ? bs : 0;
    td.rateIoIssueBytes[ddir] = (td.rateIoIssueBytes[ddir] as number) + (missed - over);
    td.lastUsec[ddir] = (td.lastUsec[ddir] as number) + total;
  }
  if (td.checkRate) td.compTime = td.sched.now();
  td.lastThinktimeBlocks = b;
  if (o.thinktimeIotime !== 0) td.lastThinktime = now;
}
