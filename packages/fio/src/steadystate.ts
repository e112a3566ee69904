/**
 * Steady-state detection (`steadystate.c`, `steadystate.h`): once a second the helper thread measures each
 * job's (or reporting group's) IOPS and bandwidth over the last `ss_dur` seconds, and ends the jobs when the
 * slope or the largest deviation from the mean falls below the limit.
 * @packageDocumentation
 */
import type { ThreadData } from './thread-data.js';

/** Models `FIO_SS_IOPS` (steadystate.h): the criterion is on IOPS. */
export const FIO_SS_IOPS = 1 << 0;
/** Models `FIO_SS_BW` (steadystate.h): the criterion is on bandwidth. */
export const FIO_SS_BW = 1 << 1;
/** Models `FIO_SS_SLOPE` (steadystate.h): the criterion is the slope, not the deviation. */
export const FIO_SS_SLOPE = 1 << 2;
/** Models `FIO_SS_ATTAINED` (steadystate.h). */
export const FIO_SS_ATTAINED = 1 << 3;
/** Models `FIO_SS_RAMP_OVER` (steadystate.h). */
export const FIO_SS_RAMP_OVER = 1 << 4;
/** Models `FIO_SS_DATA` (steadystate.h): this job holds its group's sample buffers. */
export const FIO_SS_DATA = 1 << 5;
/** Models `FIO_SS_PCT` (steadystate.h): the limit is a percentage of the mean. */
export const FIO_SS_PCT = 1 << 6;
/** Models `FIO_SS_BUFFER_FULL` (steadystate.h). */
export const FIO_SS_BUFFER_FULL = 1 << 7;
/** Models `FIO_SS_IOPS_SLOPE` (steadystate.h). */
export const FIO_SS_IOPS_SLOPE = FIO_SS_IOPS | FIO_SS_SLOPE;
/** Models `FIO_SS_BW_SLOPE` (steadystate.h). */
export const FIO_SS_BW_SLOPE = FIO_SS_BW | FIO_SS_SLOPE;
/** Models `STEADYSTATE_MSEC` (steadystate.h): the helper thread checks steady state this often (ms). */
export const STEADYSTATE_MSEC = 1000;

/**
 * Models `struct steadystate_data` (steadystate.h): one job's steady-state detector.
 */
export class SteadystateData {
  /** Limit (IOPS, bytes/s, or percent with {@link FIO_SS_PCT}). */
  limit = 0;
  /** Window, in seconds (samples). */
  dur = 0;
  /** `ss_ramp` (µs). */
  rampTime = 0;
  /** `FIO_SS_*` bits. */
  state = 0;
  /** Oldest sample. */
  head = 0;
  /** Next sample. */
  tail = 0;
  /** IOPS samples (only on the job holding the data, {@link FIO_SS_DATA}). */
  iopsData: number[] | undefined;
  /** Bandwidth samples (bytes/s). */
  bwData: number[] | undefined;
  /** Last slope. */
  slope = 0;
  /** Last largest deviation from the mean. */
  deviation = 0;
  /** Last criterion value. */
  criterion = 0;
  /** Sum of the window's samples. */
  sumY = 0;
  /** Σx for x = 0..dur-1. */
  sumX = 0;
  /** Σx² for x = 0..dur-1. */
  sumXSq = 0;
  /** Σxy. */
  sumXy = 0;
  /** The sample that leaves the window next. */
  oldestY = 0;
  /** Time of the previous check (virtual ns). */
  prevTime = 0;
  /** I/Os at the previous check. */
  prevIops = 0;
  /** Bytes at the previous check. */
  prevBytes = 0;

  /** The fields `td_steadystate_init()` compares within a reporting group. */
  sameSettings(o: SteadystateData): boolean {
    return (
      this.dur === o.dur &&
      this.limit === o.limit &&
      this.rampTime === o.rampTime &&
      this.state === o.state &&
      this.sumX === o.sumX &&
      this.sumXSq === o.sumXSq
    );
  }
}

/**
 * Models `td_steadystate_init()` (steadystate.c): the job's detector from `ss`, `ss_dur` and `ss_ramp`.
 * @param td - the job
 * @returns whether steady-state detection is on for it
 */
export function tdSteadystateInit(td: ThreadData): boolean {
  const o = td.o;
  const ss = new SteadystateData();
  td.ss = ss;
  if (o.ssDur === 0) return false;
  const dur = Math.trunc(o.ssDur / 1_000_000);
  ss.dur = dur;
  ss.limit = o.ssLimit;
  ss.rampTime = o.ssRampTime;
  ss.state = o.ssState;
  if (ss.rampTime === 0) ss.state |= FIO_SS_RAMP_OVER;
  ss.sumX = (dur * (dur - 1)) / 2;
  ss.sumXSq = ((dur - 1) * dur * (2 * dur - 1)) / 6;
  return true;
}

function steadystateAlloc(td: ThreadData): void {
  td.ss.bwData = new Array<number>(td.ss.dur).fill(0);
  td.ss.iopsData = new Array<number>(td.ss.dur).fill(0);
  td.ss.state |= FIO_SS_DATA;
}

/**
 * Models `steadystate_setup()` (steadystate.c): with group reporting, the last job of each group holds the
 * group's samples; otherwise each job holds its own.
 * @param tds - the jobs in thread order
 */
export function steadystateSetup(tds: readonly ThreadData[]): void {
  let prevGroupid = -1;
  let prev: ThreadData | undefined;
  for (const td of tds) {
    if (td.ss.dur === 0) continue;
    if (!td.o.groupReporting) {
      steadystateAlloc(td);
      continue;
    }
    if (prevGroupid !== td.job.groupid) {
      if (prev !== undefined) steadystateAlloc(prev);
      prevGroupid = td.job.groupid;
    }
    prev = td;
  }
  if (prev?.o.groupReporting === true) steadystateAlloc(prev);
}

/** Models `steadystate_slope()` (steadystate.c). @returns true when steady state is attained */
function steadystateSlope(iops: number, bw: number, ss: SteadystateData): boolean {
  const iopsData = ss.iopsData as number[];
  const bwData = ss.bwData as number[];
  bwData[ss.tail] = bw;
  iopsData[ss.tail] = iops;
  const data = (ss.state & FIO_SS_IOPS) !== 0 ? iopsData : bwData;
  const newVal = (ss.state & FIO_SS_IOPS) !== 0 ? iops : bw;
  if ((ss.state & FIO_SS_BUFFER_FULL) !== 0 || ss.tail - ss.head === ss.dur - 1) {
    if ((ss.state & FIO_SS_BUFFER_FULL) === 0) {
      ss.sumY = 0;
      for (let i = 0; i < ss.dur; i++) {
        ss.sumY += data[i] as number;
        const j = (ss.head + i) % ss.dur;
        ss.sumXy += i * (data[j] as number);
      }
      ss.state |= FIO_SS_BUFFER_FULL;
    } else {
      ss.sumY -= ss.oldestY;
      ss.sumY += newVal;
      ss.sumXy = ss.sumXy - ss.sumY + ss.dur * newVal;
    }
    ss.oldestY = data[ss.head] as number;
    // The x values are taken as equally spaced (fio's simplification).
    ss.slope = (ss.sumXy - (ss.sumX * ss.sumY) / ss.dur) / (ss.sumXSq - (ss.sumX * ss.sumX) / ss.dur);
    ss.criterion = (ss.state & FIO_SS_PCT) !== 0 ? (100.0 * ss.slope) / (ss.sumY / ss.dur) : ss.slope;
    const result = ss.criterion * (ss.criterion < 0.0 ? -1.0 : 1.0);
    if (result < ss.limit) return true;
  }
  ss.tail = (ss.tail + 1) % ss.dur;
  if (ss.tail <= ss.head) ss.head = (ss.head + 1) % ss.dur;
  return false;
}

/** Models `steadystate_deviation()` (steadystate.c). @returns true when steady state is attained */
function steadystateDeviation(iops: number, bw: number, ss: SteadystateData): boolean {
  const iopsData = ss.iopsData as number[];
  const bwData = ss.bwData as number[];
  bwData[ss.tail] = bw;
  iopsData[ss.tail] = iops;
  const data = (ss.state & FIO_SS_IOPS) !== 0 ? iopsData : bwData;
  if ((ss.state & FIO_SS_BUFFER_FULL) !== 0 || ss.tail - ss.head === ss.dur - 1) {
    if ((ss.state & FIO_SS_BUFFER_FULL) === 0) {
      ss.sumY = 0;
      for (let i = 0; i < ss.dur; i++) ss.sumY += data[i] as number;
      ss.state |= FIO_SS_BUFFER_FULL;
    } else {
      ss.sumY -= ss.oldestY;
      ss.sumY += data[ss.tail] as number;
    }
    ss.oldestY = data[ss.head] as number;
    const mean = ss.sumY / ss.dur;
    ss.deviation = 0.0;
    for (let i = 0; i < ss.dur; i++) {
      const diff = (data[i] as number) - mean;
      ss.deviation = Math.max(ss.deviation, diff * (diff < 0.0 ? -1.0 : 1.0));
    }
    ss.criterion = (ss.state & FIO_SS_PCT) !== 0 ? (100.0 * ss.deviation) / mean : ss.deviation;
    if (ss.criterion < ss.limit) return true;
  }
  ss.tail = (ss.tail + 1) % ss.dur;
  if (ss.tail <= ss.head) ss.head = (ss.head + 1) % ss.dur;
  return false;
}

/** `td->runstate <= TD_SETTING_UP || td->runstate >= TD_EXITED`: not doing I/O (yet, or any more). */
function notRunning(td: ThreadData): boolean {
  const r = td.runstate;
  return r === 'not_created' || r === 'initialized' || r === 'ramp' || r === 'exited';
}

/**
 * Models `steadystate_check()` (steadystate.c), run by the helper thread every {@link STEADYSTATE_MSEC}: adds
 * each job's (or group's) IOPS and bandwidth since the last check to its window and ends the job (or every
 * job of the group) once the criterion is met.
 * @param tds - the jobs in thread order
 * @param nowNs - virtual time
 */
export function steadystateCheck(tds: readonly ThreadData[], nowNs: number): void {
  let prevGroupid = -1;
  let groupBw = 0;
  let groupIops = 0;
  let groupRampTimeOver = 0;
  for (const td of tds) {
    const ss = td.ss;
    if (ss.dur === 0 || notRunning(td) || ss.state === 0 || (ss.state & FIO_SS_ATTAINED) !== 0) continue;
    if (!td.o.groupReporting || td.job.groupid !== prevGroupid) {
      groupBw = 0;
      groupIops = 0;
      groupRampTimeOver = 0;
    }
    prevGroupid = td.job.groupid;
    if (ss.rampTime !== 0 && (ss.state & FIO_SS_RAMP_OVER) === 0) {
      // Begin recording data one second after ss_ramp has elapsed.
      if (Math.trunc((nowNs - td.epoch) / 1000) >= ss.rampTime + 1_000_000) ss.state |= FIO_SS_RAMP_OVER;
    }
    const tdIops = (td.ioBlocks[0] as number) + (td.ioBlocks[1] as number) + (td.ioBlocks[2] as number);
    const tdBytes = (td.ioBytes[0] as number) + (td.ioBytes[1] as number) + (td.ioBytes[2] as number);
    const rateTime = Math.trunc((nowNs - ss.prevTime) / 1e6);
    ss.prevTime = nowNs;
    if ((ss.state & FIO_SS_RAMP_OVER) !== 0 && rateTime > 0) {
      groupBw += Math.trunc((1000 * (tdBytes - ss.prevBytes)) / rateTime);
      groupIops += Math.trunc((1000 * (tdIops - ss.prevIops)) / rateTime);
      ++groupRampTimeOver;
    }
    ss.prevIops = tdIops;
    ss.prevBytes = tdBytes;
    if (td.o.groupReporting && (ss.state & FIO_SS_DATA) === 0) continue;
    // Don't begin checking the criterion until ss_ramp is over for at least one job of the group.
    if (groupRampTimeOver === 0) continue;
    const attained =
      (ss.state & FIO_SS_SLOPE) !== 0
        ? steadystateSlope(groupIops, groupBw, ss)
        : steadystateDeviation(groupIops, groupBw, ss);
    if (!attained) continue;
    if (td.o.groupReporting) {
      for (const t2 of tds) {
        if (t2.job.groupid !== td.job.groupid) continue;
        t2.ss.state |= FIO_SS_ATTAINED;
        t2.terminate = true;
      }
    } else {
      ss.state |= FIO_SS_ATTAINED;
      td.terminate = true;
    }
  }
}

/** Models `steadystate_bw_mean()` (steadystate.c). @returns the mean of the window's bandwidth samples */
export function steadystateBwMean(dur: number, bwData: readonly number[] | undefined): number {
  if (dur === 0 || bwData === undefined) return 0;
  let sum = 0;
  for (let i = 0; i < dur; i++) sum += bwData[i] ?? 0;
  return Math.trunc(sum / dur);
}

/** Models `steadystate_iops_mean()` (steadystate.c). @returns the mean of the window's IOPS samples */
export function steadystateIopsMean(dur: number, iopsData: readonly number[] | undefined): number {
  return steadystateBwMean(dur, iopsData);
}
