/**
 * fio's helper thread (`helper_thread.c`) in virtual time: its timers (`disk_util` every 250 ms, which only
 * wakes it here since disk statistics are not modelled, and `steadystate` every second) and, at each wake,
 * the bandwidth and IOPS samples of `calc_log_samples()` (stat.c) with their log entries.
 * @packageDocumentation
 */
import type { Scheduler, TimerHandle } from '@stackemu/core';
import { addLogSample, perUnitLog, type IoLog } from './io-log.js';
import { TIMER_SLACK_NS } from './rate.js';
import type { IoStat } from './stat.js';
import { STEADYSTATE_MSEC, steadystateCheck, steadystateSetup } from './steadystate.js';
import type { ThreadData } from './thread-data.js';
import { DDIR_RWDIR_CNT } from './thread-options.js';

/** Models `DISK_UTIL_MSEC` (diskutil.h): the helper's base interval (ms). */
export const DISK_UTIL_MSEC = 250;

/** Models `__add_samples()` (stat.c): one bandwidth or IOPS sample per direction once `avg_time` passed. */
function addSamples(
  td: ThreadData,
  which: 'bw' | 'iops',
  nowNs: number,
  avgTime: number,
  thisIo: readonly number[],
  statIo: number[],
  stat: readonly IoStat[],
  log: IoLog | undefined,
): number {
  const isKb = which === 'bw';
  let nextLog = avgTime;
  const parent = which === 'bw' ? td.bwSampleTime : td.iopsSampleTime;
  const spent = Math.trunc((nowNs - parent) / 1e6);
  if (spent < avgTime && avgTime - spent > 1) return avgTime - spent;
  for (let d = 0; d < DDIR_RWDIR_CNT; d++) {
    const delta = (thisIo[d] as number) - (statIo[d] as number);
    if (delta === 0) continue;
    let rate = 0;
    if (spent !== 0)
      rate = isKb ? Math.trunc(Math.trunc((delta * 1000) / spent) / 1024) : Math.trunc((delta * 1000) / spent);
    (stat[d] as IoStat).add(rate);
    if (log !== undefined) {
      const bs = td.o.minBs[d] === td.o.maxBs[d] ? td.o.minBs[d as 0 | 1 | 2] : 0;
      nextLog = Math.min(nextLog, addLogSample(td, log, rate, d, bs, 0, 0));
    }
    statIo[d] = thisIo[d] as number;
  }
  if (which === 'bw') td.bwSampleTime = nowNs;
  else td.iopsSampleTime = nowNs;
  const next = spent <= avgTime ? avgTime : avgTime - (1 + spent - avgTime);
  return Math.min(next, nextLog);
}

/**
 * Models `calc_log_samples()` (stat.c): bandwidth and IOPS samples of every running job (unless its log
 * takes one per I/O), and when to come back.
 * @returns ms to the next sample, 0 for "no opinion"
 */
export function calcLogSamples(tds: readonly ThreadData[], nowNs: number): number {
  let next = Infinity;
  let tmp = 0;
  let logAvgMsecMin = Infinity;
  let elapsed = 0;
  for (const td of tds) {
    elapsed = Math.trunc((nowNs - td.epoch) / 1e6);
    if (!td.o.stats) continue;
    if (td.inRampTime() || !(td.runstate === 'running' || td.runstate === 'verifying')) {
      next = Math.min(td.o.iopsAvgTime, td.o.bwAvgTime);
      continue;
    }
    if (td.bwLog === undefined || !perUnitLog(td.bwLog)) {
      tmp = addSamples(td, 'bw', nowNs, td.o.bwAvgTime, td.thisIoBytes, td.statIoBytes, td.ts.bwStat, td.bwLog);
      if (td.bwLog !== undefined) logAvgMsecMin = Math.min(logAvgMsecMin, td.bwLog.avgMsec);
    }
    if (td.iopsLog === undefined || !perUnitLog(td.iopsLog)) {
      tmp = addSamples(
        td,
        'iops',
        nowNs,
        td.o.iopsAvgTime,
        td.thisIoBlocks,
        td.statIoBlocks,
        td.ts.iopsStat,
        td.iopsLog,
      );
      if (td.iopsLog !== undefined) logAvgMsecMin = Math.min(logAvgMsecMin, td.iopsLog.avgMsec);
    }
    if (tmp < next) next = tmp;
  }
  if (logAvgMsecMin === Infinity) logAvgMsecMin = 0;
  // Keep the time on the log_avg_msec boundary (an unsigned difference in fio: no effect when it wraps).
  const nextMod = logAvgMsecMin === 0 ? elapsed : elapsed % logAvgMsecMin;
  const corr = logAvgMsecMin - nextMod;
  if (corr >= 0) next = Math.min(next, corr);
  return next === Infinity ? 0 : next;
}

/** One of the helper's interval timers (`struct interval_timer`). */
interface IntervalTimer {
  readonly intervalMs: number;
  expires: number;
  readonly fn: (() => void) | undefined;
}

/**
 * Models the helper thread (`helper_thread_main()`): wakes at its timers and when the next bandwidth/IOPS
 * sample is due, runs {@link calcLogSamples} and, once a second with steady state on, `steadystate_check()`.
 *
 * @remarks It re-arms only while other events are pending in the machine (or a job {@link kick}s it when it
 * issues I/O), so a machine that deadlocks still goes idle and is reported.
 */
export class HelperThread {
  private handle: TimerHandle | undefined;
  private readonly timers: IntervalTimer[];
  private stopped = false;

  /**
   * @param sched - virtual time
   * @param tds - the jobs
   */
  constructor(
    private readonly sched: Scheduler,
    private readonly tds: readonly ThreadData[],
  ) {
    const ss = tds.some((t) => t.ss.dur !== 0);
    if (ss) steadystateSetup(tds);
    const now = sched.now();
    this.timers = [
      { intervalMs: DISK_UTIL_MSEC, expires: now + DISK_UTIL_MSEC * 1e6, fn: undefined },
      {
        intervalMs: ss ? STEADYSTATE_MSEC : 0,
        expires: now + STEADYSTATE_MSEC * 1e6,
        fn: ss
          ? (): void => {
              steadystateCheck(this.tds, this.sched.now());
            }
          : undefined,
      },
    ];
    for (const td of tds)
      td.kickHelper = (): void => {
        this.kick();
      };
    this.arm(Math.min(...this.timers.filter((t) => t.intervalMs !== 0).map((t) => t.expires)));
  }

  /** Re-arms the helper if it went quiet (a job issues I/O again). */
  kick(): void {
    if (this.handle !== undefined || this.stopped) return;
    this.arm(this.sched.now() + 1e6);
  }

  /** Models `helper_thread_exit()`. */
  stop(): void {
    this.stopped = true;
    if (this.handle !== undefined) this.sched.cancel(this.handle);
    this.handle = undefined;
    for (const td of this.tds) td.kickHelper = undefined;
  }

  private arm(atNs: number): void {
    // The helper's timer ends TIMER_SLACK_NS late as any task's does, and 1 ns after a job's own sleep that
    // ends at the same instant (its runtime, say): on a real machine the job usually gets there first.
    const at = Math.max(atNs, this.sched.now()) + TIMER_SLACK_NS + 1;
    this.handle = this.sched.scheduleAt(
      at,
      (): void => {
        this.wake();
      },
      undefined,
    );
  }

  /** One pass of the helper's loop: timers (`eval_timer()`), samples, and the next wake. */
  private wake(): void {
    this.handle = undefined;
    if (this.stopped) return;
    const now = this.sched.now();
    let nextNs = Infinity;
    for (const it of this.timers) {
      if (it.intervalMs === 0) continue;
      const delta = Math.trunc((it.expires - now) / 1e6);
      const expired = delta <= 1;
      if (expired) {
        it.expires += it.intervalMs * 1e6;
        const d2 = Math.trunc((it.expires - now) / 1e6);
        // a clock jump (the helper slept through a whole interval): start the timer over from now
        if (d2 < it.intervalMs - 1 || d2 > it.intervalMs + 1) it.expires = now + it.intervalMs * 1e6;
      }
      nextNs = Math.min(nextNs, it.expires);
      if (expired) it.fn?.();
    }
    let nextLog = calcLogSamples(this.tds, now);
    if (nextLog === 0) nextLog = DISK_UTIL_MSEC;
    nextNs = Math.min(nextNs, now + Math.max(0, nextLog) * 1e6);
    if (this.tds.every((t) => t.runstate === 'exited')) return;
    // Nothing else scheduled: the machine is idle (or deadlocked); a job kicks the helper when it goes on.
    if (this.sched.pending === 0) return;
    this.arm(nextNs);
  }
}
