/**
 * fio's per-job logs (`write_bw_log`, `write_lat_log`, `write_iops_log`, `write_hist_log`): `struct io_log`
 * (iolog.h), `setup_log()` and the log writers of iolog.c, and the sampling side of stat.c
 * (`add_log_sample()`, `__add_stat_to_log()`, `finalize_logs()`). Samples carry virtual milliseconds since
 * the job's epoch; the files come out in fio's text format, `time, value, ddir, bs, [offset, ]prio`.
 * @packageDocumentation
 */
import { FIO_IO_U_PLAT_NR, IoStat } from './stat.js';
import type { ThreadData } from './thread-data.js';
import { DDIR_RWDIR_CNT } from './thread-options.js';

/** Models `IO_LOG_TYPE_LAT` (iolog.h). */
export const IO_LOG_TYPE_LAT = 1;
/** Models `IO_LOG_TYPE_CLAT` (iolog.h). */
export const IO_LOG_TYPE_CLAT = 2;
/** Models `IO_LOG_TYPE_SLAT` (iolog.h). */
export const IO_LOG_TYPE_SLAT = 3;
/** Models `IO_LOG_TYPE_BW` (iolog.h). */
export const IO_LOG_TYPE_BW = 4;
/** Models `IO_LOG_TYPE_IOPS` (iolog.h). */
export const IO_LOG_TYPE_IOPS = 5;
/** Models `IO_LOG_TYPE_HIST` (iolog.h). */
export const IO_LOG_TYPE_HIST = 6;

/** Models `struct io_hist` (iolog.h): a direction's histogram window. */
export interface HistWindow {
  /** Samples since the last entry. */
  samples: number;
  /** Start of the window, ms since the epoch (`hist_last`; 0 = not started). */
  histLast: number;
}

/** Models `LOG_MSEC_SLACK` (stat.c): a window this close to its end counts as over. */
const LOG_MSEC_SLACK = 1;

/** Models `struct log_params` (iolog.h). */
export interface LogParams {
  /** `IO_LOG_TYPE_*`. */
  readonly logType: number;
  /** `log_avg_msec` (0: one entry per I/O). */
  readonly avgMsec: number;
  /** `log_hist_msec`. */
  readonly histMsec: number;
  /** `log_hist_coarseness`. */
  readonly histCoarseness: number;
  /** `log_offset`. */
  readonly logOffset: boolean;
  /** `log_prio`. */
  readonly logPrio: boolean;
}

/**
 * Models `struct io_log` (iolog.h): the samples of one log, kept in growable columns (fio keeps chunks of
 * `struct io_sample`), with the averaging windows of `log_avg_msec` and the histogram windows of
 * `log_hist_msec`.
 */
export class IoLog {
  /** Host file name (`<prefix>_<type>.<thread>.log`). */
  readonly filename: string;
  /** `IO_LOG_TYPE_*`. */
  readonly logType: number;
  /** `log_avg_msec`. */
  readonly avgMsec: number;
  /** `log_hist_msec`. */
  readonly histMsec: number;
  /** `log_hist_coarseness`. */
  readonly histCoarseness: number;
  /** `log_offset`: entries carry the I/O's offset. */
  readonly logOffset: boolean;
  /** `log_prio`: the priority column is the raw value, in hex. */
  readonly logPrio: boolean;
  /** Averaging window per direction (`avg_window`). */
  readonly avgWindow = [new IoStat(), new IoStat(), new IoStat()];
  /** Start of each direction's window, ms (`avg_last`). */
  readonly avgLast = [0, 0, 0];
  /** Histogram window per direction (`hist_window`). */
  readonly histWindow: HistWindow[] = [0, 1, 2].map(() => ({ samples: 0, histLast: 0 }));
  /** Entries. */
  private n = 0;
  private time = new Float64Array(64);
  private value = new Float64Array(64);
  private ddir = new Uint8Array(64);
  private bs = new Float64Array(64);
  private offset = new Float64Array(64);
  private prio = new Uint32Array(64);
  private readonly plats: (Float64Array | undefined)[] = [];

  /**
   * Models `setup_log()` (iolog.c).
   * @param p - the log's parameters
   * @param filename - its file
   */
  constructor(p: LogParams, filename: string) {
    this.filename = filename;
    this.logType = p.logType;
    this.avgMsec = p.avgMsec;
    this.histMsec = p.histMsec;
    this.histCoarseness = p.histCoarseness;
    this.logOffset = p.logOffset;
    this.logPrio = p.logPrio;
  }

  /** Entries logged. */
  get length(): number {
    return this.n;
  }

  /**
   * Models `__add_log_sample()` (stat.c): appends one entry.
   * @param value - the sample (latency ns, KiB/s, IOPS…)
   * @param plat - for histogram logs, the cumulative histogram at this time
   */
  addEntry(
    value: number,
    ddir: number,
    bs: number,
    t: number,
    offset: number,
    prio: number,
    plat?: Float64Array,
  ): void {
    if (this.n === 0) this.avgLast[ddir] = t;
    if (this.n === this.time.length) this.grow();
    const i = this.n++;
    this.time[i] = t;
    this.value[i] = value;
    this.ddir[i] = ddir;
    this.bs[i] = bs;
    this.offset[i] = offset;
    this.prio[i] = prio;
    if (plat !== undefined) this.plats[i] = plat;
  }

  private grow(): void {
    const len = this.time.length * 2;
    const g = <T extends Float64Array | Uint8Array | Uint32Array>(a: T, mk: (n: number) => T): T => {
      const b = mk(len);
      b.set(a);
      return b;
    };
    this.time = g(this.time, (k) => new Float64Array(k));
    this.value = g(this.value, (k) => new Float64Array(k));
    this.ddir = g(this.ddir, (k) => new Uint8Array(k));
    this.bs = g(this.bs, (k) => new Float64Array(k));
    this.offset = g(this.offset, (k) => new Float64Array(k));
    this.prio = g(this.prio, (k) => new Uint32Array(k));
  }

  /** One entry, for tests and tools: `[time, value, ddir, bs, offset]`. */
  entry(i: number): readonly [number, number, number, number, number] {
    return [
      this.time[i] as number,
      this.value[i] as number,
      this.ddir[i] as number,
      this.bs[i] as number,
      this.offset[i] as number,
    ];
  }

  /**
   * Models `flush_samples()` / `flush_hist_samples()` (iolog.c): the file's text.
   * @returns the lines, each ending in a newline
   */
  text(): string {
    return this.logType === IO_LOG_TYPE_HIST ? this.histText() : this.samplesText();
  }

  private samplesText(): string {
    const out: string[] = [];
    for (let i = 0; i < this.n; i++) {
      const prio = this.prio[i] as number;
      // ioprio_value_is_class_rt() without log_prio; the raw value in hex with it.
      const p = this.logPrio ? `0x${prio.toString(16).padStart(4, '0')}` : String(prio >>> 13 === 1 ? 1 : 0);
      const head = `${this.time[i]}, ${this.value[i]}, ${this.ddir[i]}, ${this.bs[i]}`;
      out.push(this.logOffset ? `${head}, ${this.offset[i]}, ${p}\n` : `${head}, ${p}\n`);
    }
    return out.join('');
  }

  private histText(): string {
    const out: string[] = [];
    const stride = 1 << this.histCoarseness;
    const before: Float64Array[] = [0, 1, 2].map(() => new Float64Array(FIO_IO_U_PLAT_NR));
    for (let i = 0; i < this.n; i++) {
      const d = this.ddir[i] as number;
      const plat = this.plats[i] as Float64Array;
      const prev = before[d] as Float64Array;
      const sum = (j: number): number => {
        let s = 0;
        for (let k = 0; k < stride; k++) s += (plat[j + k] as number) - (prev[j + k] as number);
        return s;
      };
      const cols: number[] = [];
      for (let j = 0; j < FIO_IO_U_PLAT_NR - stride; j += stride) cols.push(sum(j));
      cols.push(sum(FIO_IO_U_PLAT_NR - stride));
      out.push(`${this.time[i]}, ${d}, ${this.bs[i]}, ${cols.join(', ')}\n`);
      before[d] = plat;
    }
    return out.join('');
  }
}

/** Models `per_unit_log()` (iolog.h): a log with one entry per I/O (no averaging). */
export function perUnitLog(log: IoLog | undefined): boolean {
  return log !== undefined && log.avgMsec === 0;
}

/** Models `inline_log()` (iolog.h): a latency log, written from the I/O path. */
function inlineLog(log: IoLog): boolean {
  return log.logType === IO_LOG_TYPE_LAT || log.logType === IO_LOG_TYPE_CLAT || log.logType === IO_LOG_TYPE_SLAT;
}

/** Models `mtime_since_now(&td->epoch)`: ms since the job's epoch. */
function elapsedMs(td: ThreadData): number {
  return Math.trunc((td.sched.now() - td.epoch) / 1e6);
}

/** Models `__add_stat_to_log()` (stat.c): the window's mean (or max), rounded, as one entry. */
function addStatToLog(log: IoLog, ddir: number, elapsed: number, logMax: boolean): void {
  const w = log.avgWindow[ddir] as IoStat;
  if (w.samples !== 0) {
    const v = logMax ? w.maxVal : Math.trunc(w.mean + 0.5);
    log.addEntry(v, ddir, 0, elapsed, 0, 0);
  }
  w.reset();
}

/**
 * Models `add_log_sample()` (stat.c): an entry per sample, or with `log_avg_msec` a sample into the
 * direction's window, whose average becomes an entry once the window is over.
 * @returns ms until the window ends (0 without averaging)
 */
export function addLogSample(
  td: ThreadData,
  log: IoLog,
  value: number,
  ddir: number,
  bs: number,
  offset: number,
  prio = 0,
): number {
  if (ddir >= DDIR_RWDIR_CNT) return 0;
  const elapsed = elapsedMs(td);
  if (log.avgMsec === 0) {
    log.addEntry(value, ddir, bs, elapsed, offset, prio);
    return 0;
  }
  (log.avgWindow[ddir] as IoStat).add(value);
  const last = log.avgLast[ddir] as number;
  const thisWindow = elapsed - last;
  if (elapsed < last) return last - elapsed;
  if (thisWindow < log.avgMsec) {
    const diff = log.avgMsec - thisWindow;
    if (inlineLog(log) || diff > LOG_MSEC_SLACK) return diff;
  }
  addStatToLog(log, ddir, elapsed, td.o.logMax);
  log.avgLast[ddir] = elapsed - (elapsed % log.avgMsec);
  return log.avgMsec;
}

/**
 * Models the histogram half of `add_clat_sample()` (stat.c): every `log_hist_msec`, the cumulative clat
 * histogram of the direction becomes an entry (the file shows the difference to the previous one).
 */
export function addHistSample(td: ThreadData, log: IoLog, ddir: number, bs: number, offset: number): void {
  if (log.histMsec === 0) return;
  const hw = log.histWindow[ddir] as HistWindow;
  hw.samples++;
  const elapsed = elapsedMs(td);
  if (hw.histLast === 0) hw.histLast = elapsed;
  const thisWindow = elapsed - hw.histLast;
  if (thisWindow < log.histMsec) return;
  const plat = Float64Array.from(td.ts.ioUPlat[1]?.[ddir] as Float64Array);
  log.addEntry(0, ddir, bs, elapsed, offset, 0, plat);
  hw.histLast = elapsed - (thisWindow - log.histMsec);
  hw.samples = 0;
}

/** Models `make_log_name()` + `gen_log_name()` (init.c): `<prefix>_<type>.<thread>.log`, or without the number. */
function logName(prefix: string, jobname: string, type: string, threadNumber: number, perJob: boolean): string {
  const pre = prefix !== '' ? prefix : jobname;
  return perJob ? `${pre}_${type}.${threadNumber}.log` : `${pre}_${type}.log`;
}

/**
 * Models the log part of `add_job()` (init.c): creates the job's logs. With `write_bw_log` (or
 * `write_iops_log`) and no `bwavgtime` (`iopsavgtime`) of its own, the job's bandwidth (IOPS) averaging time
 * becomes `log_avg_msec`, as in fio.
 * @param td - the job
 */
export function setupLogs(td: ThreadData): void {
  const o = td.o;
  const base = {
    avgMsec: o.logAvgMsec,
    histMsec: o.logHistMsec,
    histCoarseness: o.logHistCoarseness,
    logOffset: o.logOffset,
    logPrio: o.logPrio,
  };
  const name = (file: string, type: string): string => logName(file, o.name, type, td.threadNumber, o.perJobLogs);
  if (o.writeLatLog) {
    if (!o.disableLat) td.latLog = new IoLog({ ...base, logType: IO_LOG_TYPE_LAT }, name(o.latLogFile, 'lat'));
    if (!o.disableSlat) td.slatLog = new IoLog({ ...base, logType: IO_LOG_TYPE_SLAT }, name(o.latLogFile, 'slat'));
    if (!o.disableClat) td.clatLog = new IoLog({ ...base, logType: IO_LOG_TYPE_CLAT }, name(o.latLogFile, 'clat'));
  }
  if (o.writeHistLog) {
    td.clatHistLog = new IoLog({ ...base, logType: IO_LOG_TYPE_HIST }, name(o.histLogFile, 'clat_hist'));
  }
  if (o.writeBwLog) {
    let avgMsec = o.logAvgMsec;
    if (o.setOptions.has('bwavgtime')) avgMsec = Math.min(o.logAvgMsec, o.bwAvgTime);
    else o.bwAvgTime = avgMsec;
    td.bwLog = new IoLog({ ...base, avgMsec, logType: IO_LOG_TYPE_BW }, name(o.bwLogFile, 'bw'));
  }
  if (o.writeIopsLog) {
    let avgMsec = o.logAvgMsec;
    if (o.setOptions.has('iopsavgtime')) avgMsec = Math.min(o.logAvgMsec, o.iopsAvgTime);
    else o.iopsAvgTime = avgMsec;
    td.iopsLog = new IoLog({ ...base, avgMsec, logType: IO_LOG_TYPE_IOPS }, name(o.iopsLogFile, 'iops'));
  }
}

/**
 * Models `finalize_logs()` (stat.c): what is left in the averaging windows becomes a last entry.
 * @param td - the job
 * @param unitLogs - the per-I/O logs (at job exit) or the averaged bandwidth/IOPS logs (at helper exit)
 */
function finalizeLogs(td: ThreadData, unitLogs: boolean): void {
  const elapsed = elapsedMs(td);
  const all = (log: IoLog): void => {
    for (let d = 0; d < DDIR_RWDIR_CNT; d++) addStatToLog(log, d, elapsed, td.o.logMax);
  };
  if (td.clatLog !== undefined && unitLogs) all(td.clatLog);
  if (td.slatLog !== undefined && unitLogs) all(td.slatLog);
  if (td.latLog !== undefined && unitLogs) all(td.latLog);
  if (td.bwLog !== undefined && unitLogs === perUnitLog(td.bwLog)) all(td.bwLog);
  if (td.iopsLog !== undefined && unitLogs === perUnitLog(td.iopsLog)) all(td.iopsLog);
}

/** A log file as fio writes it (`flush_log()`): appended to an existing file without `per_job_logs`. */
export interface LogFileWrite {
  /** Host path (relative to the working directory, as fio writes it). */
  readonly path: string;
  /** Text. */
  readonly text: string;
  /** Append (`per_job_logs=0`) rather than overwrite. */
  readonly append: boolean;
}

/**
 * Models `td_writeout_logs()` (iolog.c): finalizes and writes the job's logs in fio's order (bandwidth,
 * latency, submission latency, completion latency, IOPS, histogram), each only once.
 * @param td - the job
 * @param unitLogs - per-I/O logs (the job's own exit) or averaged bandwidth/IOPS logs (the helper's exit)
 * @param write - receives each file
 */
export function tdWriteoutLogs(td: ThreadData, unitLogs: boolean, write: (f: LogFileWrite) => void): void {
  finalizeLogs(td, unitLogs);
  const append = !td.o.perJobLogs;
  const out = (log: IoLog | undefined): void => {
    if (log !== undefined) write({ path: log.filename, text: log.text(), append });
  };
  if (td.bwLog !== undefined && perUnitLog(td.bwLog) === unitLogs) {
    out(td.bwLog);
    td.bwLog = undefined;
  }
  if (unitLogs) {
    out(td.latLog);
    out(td.slatLog);
    out(td.clatLog);
    td.latLog = td.slatLog = td.clatLog = undefined;
  }
  if (td.iopsLog !== undefined && perUnitLog(td.iopsLog) === unitLogs) {
    out(td.iopsLog);
    td.iopsLog = undefined;
  }
  if (unitLogs) {
    out(td.clatHistLog);
    td.clatHistLog = undefined;
  }
}
