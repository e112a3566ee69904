/**
 * Rate control (`rate`, `rate_iops`, `rate_min`, `rate_iops_min`, `rate_process`): `setup_rate()` (init.c),
 * `usec_for_io()` and `check_min_rate()` (backend.c), `rate_ddir()` (io_u.c) and `usec_sleep()` (time.c), in
 * virtual time.
 * @packageDocumentation
 */
import { FioError } from './fio-error.js';
import type { ThreadData } from './thread-data.js';
import { DDIR_RWDIR_CNT, tdRw, type DataDir } from './thread-options.js';

/**
 * Linux's default timer slack (`timer_slack_ns`, 50 µs): a `nanosleep()` of a normal task ends this much after
 * the requested time (the hrtimer's hard expiry), so fio's sleeps end a little late, as they do on a real
 * machine.
 */
export const TIMER_SLACK_NS = 50_000;

/** `DDIR_INVAL` (io_ddir.h): no direction; `rate_ddir()` answers it when the runtime ran out while waiting. */
export const DDIR_INVAL = -1;

/** Models `option_check_rate()` (fio.h): some rate option is set for `ddir`. */
export function optionCheckRate(td: ThreadData, ddir: DataDir): boolean {
  const o = td.o;
  return o.rate[ddir] !== 0 || o.rateMin[ddir] !== 0 || o.rateIops[ddir] !== 0 || o.rateIopsMin[ddir] !== 0;
}

/**
 * Models `setup_rate()` / `__setup_rate()` (init.c) and `TD_F_CHECK_RATE` (init.c `td_set_flags()`): the
 * byte rate each rated direction aims at (`rate`, or `rate_iops` × the smallest block size).
 * @param td - the job
 * @throws FioError "rate lower than supported" when a rate works out to 0 bytes/s
 */
export function setupRate(td: ThreadData): void {
  const o = td.o;
  td.checkRate = false;
  for (let d = 0; d < DDIR_RWDIR_CNT; d++) {
    const ddir = d as DataDir;
    if (optionCheckRate(td, ddir)) td.checkRate = true;
    if (o.rate[ddir] === 0 && o.rateIops[ddir] === 0) continue;
    td.rateBps[ddir] = o.rate[ddir] !== 0 ? o.rate[ddir] : o.rateIops[ddir] * o.minBs[ddir];
    if (td.rateBps[ddir] === 0) throw new FioError('fio: rate lower than supported', 'rate');
    td.rateNextIoTime[ddir] = 0;
    td.rateIoIssueBytes[ddir] = 0;
    td.lastUsec[ddir] = 0;
  }
}

/**
 * Models `usec_for_io()` (backend.c): when the next I/O of `ddir` is due, µs after the job's epoch. Linear:
 * the bytes issued so far at the target rate. Poisson: the previous time plus an exponential inter-arrival
 * time, `(1000000 / iops) * -logf(U)` with U from the job's Poisson generator, in single precision as fio
 * computes it.
 * @returns µs since the epoch
 */
export function usecForIo(td: ThreadData, ddir: DataDir): number {
  const bps = td.rateBps[ddir] as number;
  if (td.o.rateProcess === 'poisson') {
    const iops = Math.max(1, Math.trunc(bps / td.o.minBs[ddir]));
    const u = (td.poissonState[ddir] as { rand01(): number }).rand01();
    // (int64_t)(1000000 / iops) * -logf(u): the integer converts to float and the product is a float.
    const logf = Math.fround(Math.log(Math.fround(u)));
    const val = Math.trunc(Math.fround(Math.fround(Math.trunc(1_000_000 / iops)) * -logf));
    const at = (td.lastUsec[ddir] as number) + val;
    td.lastUsec[ddir] = at;
    return at;
  }
  if (bps !== 0) {
    const bytes = td.rateIoIssueBytes[ddir] as number;
    const secs = Math.trunc(bytes / bps);
    const remainder = bytes % bps;
    return Math.trunc((remainder * 1_000_000) / bps) + secs * 1_000_000;
  }
  return 0;
}

/**
 * Models the decision half of `rate_ddir()` (io_u.c): the direction of the next I/O of a rated job and how
 * long to wait for it. A direction ahead of its rate gives way to the other one when that is behind (mixed
 * jobs); otherwise the job must sleep until the earlier of the two is due, cut short at the runtime. The
 * sleep (after `io_u_quiesce()` when submitting inline) is left in {@link ThreadData.rateSleepUs} for the I/O
 * loop, which also turns the direction into {@link DDIR_INVAL} if the job ended meanwhile.
 * @returns the direction, or {@link DDIR_INVAL} when the runtime is already over
 */
export function rateDdir(td: ThreadData, ddirIn: DataDir): DataDir | typeof DDIR_INVAL {
  let ddir = ddirIn;
  const odir = (ddir ^ 1) as DataDir;
  const o = td.o;
  const now = td.usSinceEpoch();
  const next = td.rateNextIoTime;
  if ((next[ddir] as number) <= now) return ddir;
  let usec: number;
  if (tdRw(o) && o.rwmix[odir] !== 0) {
    if ((next[odir] as number) <= now) return odir;
    if ((next[ddir] as number) <= (next[odir] as number)) usec = (next[ddir] as number) - now;
    else {
      usec = (next[odir] as number) - now;
      ddir = odir;
    }
  } else usec = (next[ddir] as number) - now;
  if (o.timeout !== 0 && usec + now > o.timeout) {
    if (now > o.timeout) return DDIR_INVAL;
    usec = o.timeout - now;
  }
  td.rateSleepUs = usec;
  return ddir;
}

/**
 * Models `usec_sleep()` (time.c) in virtual time: `nanosleep()`s in slices of at most a second (fio's own
 * slicing, including its quirk for sleeps above two seconds), each ending {@link TIMER_SLACK_NS} late, and
 * stops early once the job is told to terminate.
 * @returns µs slept (measured, as fio measures it)
 */
export async function usecSleep(td: ThreadData, usecIn: number): Promise<number> {
  let usec = usecIn;
  let t = 0;
  do {
    let ts = usec;
    let sec = 0;
    if (ts >= 1_000_000) {
      sec = Math.trunc(ts / 1_000_000);
      ts -= 1_000_000 * sec;
      if (sec > 1) sec = 1;
    }
    const slice = sec * 1_000_000 + ts;
    const t0 = td.sched.now();
    await td.sched.sleep(slice * 1000 + TIMER_SLACK_NS);
    const slept = Math.trunc((td.sched.now() - t0) / 1000);
    t += slept;
    if (slept >= usec) break;
    usec -= slept;
  } while (!td.terminate);
  return t;
}

/**
 * Models `__check_min_rate()` (backend.c) for one direction: after a 2 s settling period, every `rate_cycle`
 * ms the bytes (or I/Os) done since the last check must reach `rate_min` (or `rate_iops_min`).
 * @returns true when the minimum was not met (fio logs it and fails the job with EIO)
 */
function checkMinRateDdir(td: ThreadData, nowNs: number, ddir: DataDir, log: (l: string) => void): boolean {
  const o = td.o;
  const bytes = td.thisIoBytes[ddir] as number;
  const blocks = td.thisIoBlocks[ddir] as number;
  if (o.rateMin[ddir] === 0 && o.rateIopsMin[ddir] === 0) return false;
  if (Math.trunc((nowNs - td.start) / 1e6) < 2000) return false;
  if (td.lastRateCheckBytes[ddir] !== 0 || td.lastRateCheckBlocks[ddir] !== 0) {
    const spent = Math.trunc((nowNs - (td.lastRateCheckTime[ddir] as number)) / 1e6);
    if (spent < o.rateCycle || spent === 0) return false;
    if (o.rateMin[ddir] !== 0) {
      const rate = Math.trunc(((bytes - (td.lastRateCheckBytes[ddir] as number)) * 1000) / spent);
      if (rate < o.rateMin[ddir]) {
        log(`${o.name}: rate_min=${o.rateMin[ddir]}B/s not met, got ${rate}B/s\n`);
        return true;
      }
    } else {
      const iops = Math.trunc(((blocks - (td.lastRateCheckBlocks[ddir] as number)) * 1000) / spent);
      if (iops < o.rateIopsMin[ddir]) {
        log(`${o.name}: rate_iops_min=${o.rateIopsMin[ddir]} not met, got ${iops} IOPS\n`);
        return true;
      }
    }
  }
  td.lastRateCheckBytes[ddir] = bytes;
  td.lastRateCheckBlocks[ddir] = blocks;
  td.lastRateCheckTime[ddir] = nowNs;
  return false;
}

/**
 * Models `check_min_rate()` (backend.c): `__check_min_rate()` for each direction that moved data.
 * @param td - the job
 * @param nowNs - the completion time to check at (`comp_time`)
 * @param log - where fio's message goes
 * @returns true when a minimum rate was not met
 */
export function checkMinRate(td: ThreadData, nowNs: number, log: (l: string) => void): boolean {
  let ret = false;
  for (let d = 0; d < DDIR_RWDIR_CNT; d++) {
    if (td.bytesDone[d] !== 0) ret = checkMinRateDdir(td, nowNs, d as DataDir, log) || ret;
  }
  return ret;
}
