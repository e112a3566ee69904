/**
 * fio's end-of-run report (`__show_run_stats()` and friends in stat.c): per-job or per-group thread stats,
 * run-status groups, in fio's normal text and its JSON / JSON+ schema.
 * @packageDocumentation
 */
import { cFloat, JsonArray, JsonInt, JsonObject, jsonPrint, type JsonValue } from './json.js';
import { num2str } from './num2str.js';
import {
  FIO_SS_ATTAINED,
  FIO_SS_BUFFER_FULL,
  FIO_SS_IOPS,
  FIO_SS_PCT,
  FIO_SS_SLOPE,
  steadystateBwMean,
  steadystateIopsMean,
  type SteadystateData,
} from './steadystate.js';
import {
  calcClatPercentiles,
  calcLat,
  FIO_CLAT,
  FIO_IO_U_PLAT_NR,
  FIO_LAT,
  FIO_SLAT,
  GroupRunStats,
  platIdxToVal,
  statCalcDist,
  statCalcLat,
  ThreadStat,
  type IoStat,
} from './stat.js';

/** One job's outcome, as the report needs it (`struct thread_data` after the run). */
export interface JobReport {
  /** Job name. */
  readonly name: string;
  /** Description. */
  readonly description: string;
  /** Reporting group. */
  readonly groupid: number;
  /** `group_reporting`. */
  readonly groupReporting: boolean;
  /** `stats`. */
  readonly stats: boolean;
  /** The job's stats. */
  readonly ts: ThreadStat;
  /** Job process pid. */
  readonly pid: number;
  /** errno of a failure (0 = none). */
  readonly error: number;
  /** Text of the failure. */
  readonly verror: string;
  /** The options the job's section set (JSON "job options"). */
  readonly jobOptions: readonly (readonly [string, string])[];
  /** `kb_base`. */
  readonly kbBase: number;
  /** `significant_figures`. */
  readonly sigFigs: number;
  /** `clat_percentiles`, `lat_percentiles`, `slat_percentiles`. */
  readonly percentiles: {
    /** `clat_percentiles`. */
    readonly clat: boolean;
    /** `lat_percentiles`. */
    readonly lat: boolean;
    /** `slat_percentiles`. */
    readonly slat: boolean;
  };
  /** `percentile_list` and its precision. */
  readonly percentileList: readonly number[];
  /** Digits after the point in percentile names. */
  readonly percentilePrecision: number;
  /** Depth reported as `latency_depth` (`latency_qd`: the latency target's depth, else `iodepth`). */
  readonly latencyDepth: number;
  /** `latency_target` (ns). */
  readonly latencyTarget?: number;
  /** `latency_percentile`. */
  readonly latencyPercentile?: number;
  /** `latency_window` (µs). */
  readonly latencyWindow?: number;
  /** The job's steady-state detector, when `ss_dur` is set. */
  readonly ss?: SteadystateData;
  /** `continue_on_error` set. */
  readonly continueOnError: boolean;
}

/** Output of {@link buildRunStats}: fio's `threadstats[]` and `runstats[]`. */
export interface RunStats {
  /** One per job, or per group with group_reporting. */
  readonly threadstats: readonly ThreadStat[];
  /** The job options shown with each thread stat. */
  readonly optLists: readonly (readonly (readonly [string, string])[])[];
  /** Per group. */
  readonly runstats: readonly GroupRunStats[];
}

/**
 * Models the accumulation part of `__show_run_stats()` (stat.c): sums jobs into thread stats (one per job,
 * or per group with group_reporting) and computes each group's min/max run and bandwidth and aggregate.
 * @param jobs - the jobs in thread order
 * @returns thread stats and run-status groups
 */
export function buildRunStats(jobs: readonly JobReport[]): RunStats {
  const groups = jobs.reduce((m, j) => Math.max(m, j.groupid), 0) + 1;
  const runstats = Array.from({ length: groups }, (_v, i) => new GroupRunStats(i));
  const threadstats: ThreadStat[] = [];
  const optLists: (readonly (readonly [string, string])[])[] = [];
  let lastTs = -1;
  let idx = 0;
  let cur: ThreadStat | undefined;
  for (const td of jobs) {
    if (!td.stats) continue;
    if (cur === undefined || (idx > 0 && (!td.groupReporting || lastTs !== td.groupid))) {
      cur = new ThreadStat();
      threadstats.push(cur);
      optLists.push(td.jobOptions);
      idx = 0;
    }
    lastTs = td.groupid;
    const ts = cur;
    ts.clatPercentiles = td.percentiles.clat;
    ts.latPercentiles = td.percentiles.lat;
    ts.slatPercentiles = td.percentiles.slat;
    ts.percentilePrecision = td.percentilePrecision;
    ts.percentileList = [...td.percentileList];
    optLists[optLists.length - 1] = td.jobOptions;
    idx++;
    if (ts.groupid === -1) {
      ts.name = td.name;
      ts.description = td.description;
      ts.groupid = td.groupid;
      ts.pid = td.pid;
      ts.kbBase = td.kbBase;
      ts.sigFigs = td.sigFigs;
      ts.threadNumber = 0;
    }
    ts.continueOnError = td.continueOnError;
    if (ts.error === 0 && td.error !== 0) {
      ts.error = td.error;
      ts.verror = td.verror;
    }
    ts.latencyDepth = td.latencyDepth;
    ts.latencyTarget = td.latencyTarget ?? 0;
    ts.latencyPercentile = td.latencyPercentile ?? 100;
    ts.latencyWindow = td.latencyWindow ?? 0;
    ts.sum(td.ts);
    ts.members++;
    const ss = td.ss;
    if (ss !== undefined && ss.dur !== 0) {
      ts.ssState = ss.state;
      ts.ssDur = ss.dur;
      ts.ssHead = ss.head;
      ts.ssBwData = ss.bwData;
      ts.ssIopsData = ss.iopsData;
      ts.ssLimit = ss.limit;
      ts.ssSlope = ss.slope;
      ts.ssDeviation = ss.deviation;
      ts.ssCriterion = ss.criterion;
    } else {
      ts.ssDur = 0;
      ts.ssState = 0;
    }
  }
  for (const ts of threadstats) {
    const rs = runstats[ts.groupid] as GroupRunStats;
    rs.kbBase = ts.kbBase;
    rs.sigFigs = ts.sigFigs;
    for (let j = 0; j < 3; j++) {
      const rt = ts.runtime[j] as number;
      if (rt === 0) continue;
      if (rt < (rs.minRun[j] as number) || rs.minRun[j] === 0) rs.minRun[j] = rt;
      if (rt > (rs.maxRun[j] as number)) rs.maxRun[j] = rt;
      const bw = Math.trunc(((ts.ioBytes[j] as number) * 1000) / rt);
      if (bw < (rs.minBw[j] as number)) rs.minBw[j] = bw;
      if (bw > (rs.maxBw[j] as number)) rs.maxBw[j] = bw;
      rs.ioBytes[j] = (rs.ioBytes[j] as number) + (ts.ioBytes[j] as number);
    }
  }
  for (const rs of runstats) {
    for (let d = 0; d < 3; d++) {
      if (rs.maxRun[d] !== 0) rs.agg[d] = Math.trunc(((rs.ioBytes[d] as number) * 1000) / (rs.maxRun[d] as number));
    }
  }
  return { threadstats, optLists, runstats };
}

const DDIR_NAMES = ['read', 'write', 'trim'] as const;

// ----- normal output --------------------------------------------------------------------------------------

/** C's `%*.*f`-style fixed formatting padded to `width`. */
function fmtF(v: number, width: number, prec: number): string {
  return cFloat(v)
    .replace(/\.(\d{6})$/, (_m, d: string) => (prec === 0 ? '' : `.${d.slice(0, prec)}`))
    .padStart(width);
}

/** Rounds like printf `%.Nf` (the decimals of cFloat are truncated; recompute with rounding). */
function pf(v: number, width: number, prec: number): string {
  if (!Number.isFinite(v)) return fmtF(v, width, prec);
  return v.toFixed(prec).padStart(width);
}

function isPow2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** Models `display_lat()` (stat.c). */
function displayLat(name: string, s: IoStat, out: string[]): void {
  const l = calcLat(s);
  if (l === undefined) return;
  let { min, max, mean, dev } = l;
  let base = '(nsec)';
  if (min > 2_000_000 && max > 99_999_999 && dev > 1_000_000) {
    min = Math.trunc(min / 1e6);
    max = Math.trunc(max / 1e6);
    mean /= 1e6;
    dev /= 1e6;
    base = '(msec)';
  } else if (min > 2000 && max > 99_999 && dev > 1000) {
    min = Math.trunc(min / 1000);
    max = Math.trunc(max / 1000);
    mean /= 1000;
    dev /= 1000;
    base = '(usec)';
  }
  out.push(
    `    ${name} ${base}: min=${num2str(min, 6, 1, false, 'none')}, max=${num2str(max, 6, 1, false, 'none')}, avg=${pf(mean, 5, 2)}, stdev=${pf(dev, 5, 2)}\n`,
  );
}

/** Models `show_clat_percentiles()` (stat.c). */
function showClatPercentiles(
  plat: Float64Array,
  nr: number,
  plist: readonly number[],
  precision: number,
  pre: string,
  out: string[],
): void {
  const r = calcClatPercentiles(plat, nr, plist);
  if (r === undefined) return;
  let scale = 0;
  let divisor = 1;
  if (r.minv > 2_000_000 && r.maxv > 99_999_999) {
    scale = 2;
    divisor = 1_000_000;
    out.push(`    ${pre} percentiles (msec):\n     |`);
  } else if (r.minv > 2000 && r.maxv > 99_999) {
    scale = 1;
    divisor = 1000;
    out.push(`    ${pre} percentiles (usec):\n     |`);
  } else {
    out.push(`    ${pre} percentiles (nsec):\n     |`);
  }
  const timeWidth = Math.max(5, Math.trunc(Math.log10(Math.trunc(r.maxv / divisor)) + 1));
  const perLine = Math.trunc((80 - 7) / (precision + 10 + timeWidth));
  const len = r.plist.length;
  for (let j = 0; j < len; j++) {
    if (j !== 0 && j % perLine === 0) out.push('     |');
    const isLast = j === len - 1;
    let v = r.ovals[j] as number;
    for (let i = 0; i < scale; i++) v = Math.trunc((v + 999) / 1000);
    out.push(
      ` ${pf(r.plist[j] as number, precision + 3, precision)}th=[${String(v).padStart(timeWidth)}]${isLast ? '\n' : ','}`,
    );
    if (isLast) break;
    if (j % perLine === perLine - 1) out.push('\n');
  }
}

/** Models `show_ddir_status()` (stat.c). */
function showDdirStatus(rs: GroupRunStats, ts: ThreadStat, ddir: number, out: string[]): void {
  if (ddir === 3) {
    if (ts.syncStat.samples > 0) {
      out.push('  fsync/fdatasync/sync_file_range:\n');
      displayLat('sync', ts.syncStat, out);
      showClatPercentiles(ts.ioUSyncPlat, ts.syncStat.samples, ts.percentileList, ts.percentilePrecision, 'sync', out);
    }
    return;
  }
  const runt = ts.runtime[ddir] as number;
  if (runt === 0) return;
  const i2p = isPow2(rs.kbBase);
  const bytes = ts.ioBytes[ddir] as number;
  const bw = Math.trunc((1000 * bytes) / runt);
  const iops = Math.trunc((1000 * (ts.totalIoU[ddir] as number)) / runt);
  out.push(
    `  ${DDIR_NAMES[ddir] as string}: IOPS=${num2str(iops, ts.sigFigs, 1, false, 'none')}, BW=${num2str(bw, ts.sigFigs, 1, i2p, 'bytepersec')} (${num2str(bw, ts.sigFigs, 1, !i2p, 'bytepersec')})(${num2str(bytes, ts.sigFigs, 1, i2p, 'byte')}/${runt}msec)\n`,
  );
  displayLat('slat', ts.slatStat[ddir] as IoStat, out);
  displayLat('clat', ts.clatStat[ddir] as IoStat, out);
  displayLat(' lat', ts.latStat[ddir] as IoStat, out);
  const plist = ts.percentileList;
  if (ts.slatPercentiles && (ts.slatStat[ddir] as IoStat).samples > 0) {
    showClatPercentiles(
      ts.ioUPlat[FIO_SLAT]?.[ddir] as Float64Array,
      (ts.slatStat[ddir] as IoStat).samples,
      plist,
      ts.percentilePrecision,
      'slat',
      out,
    );
  }
  if (ts.clatPercentiles && (ts.clatStat[ddir] as IoStat).samples > 0) {
    showClatPercentiles(
      ts.ioUPlat[FIO_CLAT]?.[ddir] as Float64Array,
      (ts.clatStat[ddir] as IoStat).samples,
      plist,
      ts.percentilePrecision,
      'clat',
      out,
    );
  }
  if (ts.latPercentiles && (ts.latStat[ddir] as IoStat).samples > 0) {
    showClatPercentiles(
      ts.ioUPlat[FIO_LAT]?.[ddir] as Float64Array,
      (ts.latStat[ddir] as IoStat).samples,
      plist,
      ts.percentilePrecision,
      'lat',
      out,
    );
  }
  const b = calcLat(ts.bwStat[ddir] as IoStat);
  if (b !== undefined) {
    let { min, max, mean, dev } = b;
    const fkb = rs.kbBase;
    let bwStr = i2p ? 'KiB' : 'kB';
    const pOfAgg = aggPercent(rs, ddir, mean);
    if (mean > fkb * fkb) {
      min /= fkb;
      max /= fkb;
      mean /= fkb;
      dev /= fkb;
      bwStr = 'MiB';
    }
    out.push(
      `   bw (${bwStr.padStart(5)}/s): min=${String(Math.trunc(min)).padStart(5)}, max=${String(Math.trunc(max)).padStart(5)}, per=${pf(pOfAgg, 3, 2)}%, avg=${pf(mean, 5, 2)}, stdev=${pf(dev, 5, 2)}, samples=${(ts.bwStat[ddir] as IoStat).samples}\n`,
    );
  }
  const io = calcLat(ts.iopsStat[ddir] as IoStat);
  if (io !== undefined) {
    out.push(
      `   iops        : min=${String(Math.trunc(io.min)).padStart(5)}, max=${String(Math.trunc(io.max)).padStart(5)}, avg=${pf(io.mean, 5, 2)}, stdev=${pf(io.dev, 5, 2)}, samples=${(ts.iopsStat[ddir] as IoStat).samples}\n`,
    );
  }
}

/** Models `convert_agg_kbytes_percent()` (stat.c). */
function aggPercent(rs: GroupRunStats, ddir: number, mean: number): number {
  const agg = rs.agg[ddir] as number;
  if (agg > 1024) {
    const p = (Math.trunc(mean) * 100) / (agg / 1024);
    return p > 100 ? 100 : p;
  }
  return 100;
}

/** Models `show_lat()` (stat.c). */
function showLat(lat: number[], ranges: readonly string[], msg: string, out: string[]): void {
  let newLine = true;
  let shown = false;
  let line = 0;
  for (let i = 0; i < lat.length; i++) {
    const v = lat[i] as number;
    if (v <= 0) continue;
    shown = true;
    if (newLine) {
      if (line !== 0) out.push('\n');
      out.push(`  lat (${msg})   : `);
      newLine = false;
      line = 0;
    }
    if (line !== 0) out.push(', ');
    out.push(`${ranges[i] as string}${pf(v, 3, 2)}%`);
    line++;
    if (line === 5) newLine = true;
  }
  if (shown) out.push('\n');
}

const RANGES_NU = ['2=', '4=', '10=', '20=', '50=', '100=', '250=', '500=', '750=', '1000='];
const RANGES_M = [...RANGES_NU, '2000=', '>=2000='];

function dist(v: readonly number[]): string[] {
  return v.map((x) => pf(x, 3, 1));
}

/**
 * Models `show_thread_status_normal()` (stat.c).
 * @param ts - thread stat
 * @param rs - its group
 * @param timeStr - the `ctime()` text of the report (ends in a newline)
 * @returns the text block
 */
export function showThreadStatusNormal(ts: ThreadStat, rs: GroupRunStats, timeStr: string): string {
  const total = (ts.ioBytes[0] as number) + (ts.ioBytes[1] as number) + (ts.ioBytes[2] as number);
  const totalIos = (ts.totalIoU[0] as number) + (ts.totalIoU[1] as number) + (ts.totalIoU[2] as number);
  if (total === 0 && totalIos === 0) return '';
  const out: string[] = [];
  const err = String(ts.error).padStart(2);
  if (ts.error === 0)
    out.push(`${ts.name}: (groupid=${ts.groupid}, jobs=${ts.members}): err=${err}: pid=${ts.pid}: ${timeStr}`);
  else
    out.push(
      `${ts.name}: (groupid=${ts.groupid}, jobs=${ts.members}): err=${err} (${ts.verror}): pid=${ts.pid}: ${timeStr}`,
    );
  if (ts.description !== '') out.push(`  Description  : [${ts.description}]\n`);
  for (let d = 0; d < 3; d++) if ((ts.ioBytes[d] as number) !== 0) showDdirStatus(rs, ts, d, out);
  showLat(statCalcLat(ts, ts.ioULatN), RANGES_NU, 'nsec', out);
  showLat(statCalcLat(ts, ts.ioULatU), RANGES_NU, 'usec', out);
  showLat(statCalcLat(ts, ts.ioULatM), RANGES_M, 'msec', out);
  if (ts.syncStat.samples > 0) showDdirStatus(rs, ts, 3, out);
  const runt = ts.totalRunTime;
  const usr = runt !== 0 ? (ts.usrTime * 100) / runt : 0;
  const sys = runt !== 0 ? (ts.sysTime * 100) / runt : 0;
  out.push(
    `  cpu          : usr=${pf(usr, 3, 2)}%, sys=${pf(sys, 3, 2)}%, ctx=${ts.ctx}, majf=${ts.majf}, minf=${ts.minf}\n`,
  );
  const d1 = dist(statCalcDist(ts.ioUMap, totalIos));
  out.push(
    `  IO depths    : 1=${d1[0]}%, 2=${d1[1]}%, 4=${d1[2]}%, 8=${d1[3]}%, 16=${d1[4]}%, 32=${d1[5]}%, >=64=${d1[6]}%\n`,
  );
  const d2 = dist(statCalcDist(ts.ioUSubmit, ts.totalSubmit));
  out.push(
    `     submit    : 0=${d2[0]}%, 4=${d2[1]}%, 8=${d2[2]}%, 16=${d2[3]}%, 32=${d2[4]}%, 64=${d2[5]}%, >=64=${d2[6]}%\n`,
  );
  const d3 = dist(statCalcDist(ts.ioUComplete, ts.totalComplete));
  out.push(
    `     complete  : 0=${d3[0]}%, 4=${d3[1]}%, 8=${d3[2]}%, 16=${d3[3]}%, 32=${d3[4]}%, 64=${d3[5]}%, >=64=${d3[6]}%\n`,
  );
  const t = ts.totalIoU;
  out.push(
    `     issued rwts: total=${t[0]},${t[1]},${t[2]},${t[3]} short=${ts.shortIoU[0]},${ts.shortIoU[1]},${ts.shortIoU[2]},0 dropped=${ts.dropIoU[0]},${ts.dropIoU[1]},${ts.dropIoU[2]},0\n`,
  );
  if (ts.continueOnError)
    out.push(`     errors    : total=${ts.totalErrCount}, first_error=${ts.firstError}/<${ts.verror}>\n`);
  if (ts.latencyDepth !== 0) {
    out.push(
      `     latency   : target=${ts.latencyTarget}, window=${ts.latencyWindow}, percentile=${pf(ts.latencyPercentile, 0, 2)}%, depth=${ts.latencyDepth}\n`,
    );
  }
  if (ts.ssDur !== 0) showSsNormal(ts, out);
  return out.join('');
}

/** Models `show_ss_normal()` (stat.c): the steady-state line. */
function showSsNormal(ts: ThreadStat, out: string[]): void {
  const bwMean = steadystateBwMean(ts.ssDur, ts.ssBwData);
  const iopsMean = steadystateIopsMean(ts.ssDur, ts.ssIopsData);
  const i2p = isPow2(ts.kbBase);
  const kb = Math.trunc(bwMean / ts.kbBase);
  const p1 = num2str(kb, ts.sigFigs, ts.kbBase, i2p, 'bytepersec');
  const p1alt = num2str(kb, ts.sigFigs, ts.kbBase, !i2p, 'bytepersec');
  const p2 = num2str(iopsMean, ts.sigFigs, 1, false, 'none');
  out.push(
    `  steadystate  : attained=${(ts.ssState & FIO_SS_ATTAINED) !== 0 ? 'yes' : 'no'}, bw=${p1} (${p1alt}), iops=${p2}, ${(ts.ssState & FIO_SS_IOPS) !== 0 ? 'iops' : 'bw'}${(ts.ssState & FIO_SS_SLOPE) !== 0 ? ' slope' : ' mean dev'}=${ts.ssCriterion.toFixed(3)}${(ts.ssState & FIO_SS_PCT) !== 0 ? '%' : ''}\n`,
  );
}

/** Models the `steadystate` object of `show_thread_status_json()` (stat.c). */
function ssJson(ts: ThreadStat): JsonObject {
  const pct = (ts.ssState & FIO_SS_PCT) !== 0 ? '%' : '';
  const tmp = new JsonObject();
  tmp.str(
    'ss',
    `${(ts.ssState & FIO_SS_IOPS) !== 0 ? 'iops' : 'bw'}${(ts.ssState & FIO_SS_SLOPE) !== 0 ? '_slope' : ''}:${cFloat(Math.fround(ts.ssLimit))}${pct}`,
  );
  tmp.int('duration', ts.ssDur);
  tmp.int('attained', (ts.ssState & FIO_SS_ATTAINED) !== 0 ? 1 : 0);
  tmp.str('criterion', `${cFloat(Math.fround(ts.ssCriterion))}${pct}`);
  tmp.float('max_deviation', ts.ssDeviation);
  tmp.float('slope', ts.ssSlope);
  const data = new JsonObject();
  tmp.add('data', data);
  const bw = new JsonArray();
  const iops = new JsonArray();
  // With steady state attained or the window not yet full, ss_head is the oldest sample; otherwise the one
  // before it is.
  const j =
    (ts.ssState & FIO_SS_ATTAINED) !== 0 || (ts.ssState & FIO_SS_BUFFER_FULL) === 0
      ? ts.ssHead
      : ts.ssHead === 0
        ? ts.ssDur - 1
        : ts.ssHead - 1;
  for (let l = 0; l < ts.ssDur; l++) {
    const k = (j + l) % ts.ssDur;
    bw.add(new JsonInt(ts.ssBwData?.[k] ?? 0));
    iops.add(new JsonInt(ts.ssIopsData?.[k] ?? 0));
  }
  data.int('bw_mean', steadystateBwMean(ts.ssDur, ts.ssBwData));
  data.int('iops_mean', steadystateIopsMean(ts.ssDur, ts.ssIopsData));
  data.add('iops', iops);
  data.add('bw', bw);
  return tmp;
}

/**
 * Models `show_group_stats()` (stat.c): the "Run status group" block.
 * @returns the text block
 */
export function showGroupStats(rs: GroupRunStats): string {
  const out = [`\nRun status group ${rs.groupid} (all jobs):\n`];
  const names = ['   READ', '  WRITE', '   TRIM'];
  const i2p = isPow2(rs.kbBase);
  for (let i = 0; i < 3; i++) {
    if (rs.maxRun[i] === 0) continue;
    const n = (v: number, p: boolean, u: 'byte' | 'bytepersec'): string => num2str(v, rs.sigFigs, 1, p, u);
    const io = rs.ioBytes[i] as number;
    const agg = rs.agg[i] as number;
    const min = rs.minBw[i] as number;
    const max = rs.maxBw[i] as number;
    out.push(
      `${names[i] as string}: bw=${n(agg, i2p, 'bytepersec')} (${n(agg, !i2p, 'bytepersec')}), ${n(min, i2p, 'bytepersec')}-${n(max, i2p, 'bytepersec')} (${n(min, !i2p, 'bytepersec')}-${n(max, !i2p, 'bytepersec')}), io=${n(io, i2p, 'byte')} (${n(io, !i2p, 'byte')}), run=${rs.minRun[i]}-${rs.maxRun[i]}msec\n`,
    );
  }
  return out.join('');
}

// ----- JSON -----------------------------------------------------------------------------------------------

/** Models `add_ddir_lat_json()` (stat.c). */
function ddirLatJson(
  ts: ThreadStat,
  percentiles: boolean,
  s: IoStat,
  plat: Float64Array,
  jsonPlus: boolean,
): JsonObject {
  const l = calcLat(s) ?? { min: 0, max: 0, mean: 0, dev: 0 };
  const o = new JsonObject()
    .int('min', l.min)
    .int('max', l.max)
    .float('mean', l.mean)
    .float('stddev', l.dev)
    .int('N', s.samples);
  if (percentiles && s.samples > 0) {
    const r = calcClatPercentiles(plat, s.samples, ts.percentileList);
    const p = new JsonObject();
    o.add('percentile', p);
    if (r !== undefined) r.plist.forEach((pc, i) => p.int(pc.toFixed(6), r.ovals[i] as number));
    if (jsonPlus) {
      const bins = new JsonObject();
      o.add('bins', bins);
      for (let i = 0; i < FIO_IO_U_PLAT_NR; i++) {
        const c = plat[i] as number;
        if (c !== 0) bins.int(String(platIdxToVal(i)), c);
      }
    }
  }
  return o;
}

/** Models `add_ddir_status_json()` (stat.c). */
function ddirStatusJson(ts: ThreadStat, rs: GroupRunStats, ddir: number, parent: JsonObject, jsonPlus: boolean): void {
  const o = new JsonObject();
  if (ddir === 3) {
    parent.add('sync', o);
    o.int('total_ios', ts.totalIoU[3] as number);
    o.add('lat_ns', ddirLatJson(ts, ts.latPercentiles || ts.clatPercentiles, ts.syncStat, ts.ioUSyncPlat, jsonPlus));
    return;
  }
  parent.add(DDIR_NAMES[ddir] as string, o);
  const runt = ts.runtime[ddir] as number;
  const bytes = ts.ioBytes[ddir] as number;
  let bwBytes = 0;
  let bw = 0;
  let iops = 0;
  if (runt !== 0) {
    bwBytes = Math.trunc((1000 * bytes) / runt);
    bw = Math.trunc(bwBytes / 1024);
    iops = (1000 * (ts.totalIoU[ddir] as number)) / runt;
  }
  o.int('io_bytes', bytes)
    .int('io_kbytes', Math.trunc(bytes / 1024))
    .int('bw_bytes', bwBytes)
    .int('bw', bw)
    .float('iops', iops)
    .int('runtime', runt)
    .int('total_ios', ts.totalIoU[ddir] as number)
    .int('short_ios', ts.shortIoU[ddir] as number)
    .int('drop_ios', ts.dropIoU[ddir] as number);
  o.add(
    'slat_ns',
    ddirLatJson(
      ts,
      ts.slatPercentiles,
      ts.slatStat[ddir] as IoStat,
      ts.ioUPlat[FIO_SLAT]?.[ddir] as Float64Array,
      jsonPlus,
    ),
  );
  o.add(
    'clat_ns',
    ddirLatJson(
      ts,
      ts.clatPercentiles,
      ts.clatStat[ddir] as IoStat,
      ts.ioUPlat[FIO_CLAT]?.[ddir] as Float64Array,
      jsonPlus,
    ),
  );
  o.add(
    'lat_ns',
    ddirLatJson(
      ts,
      ts.latPercentiles,
      ts.latStat[ddir] as IoStat,
      ts.ioUPlat[FIO_LAT]?.[ddir] as Float64Array,
      jsonPlus,
    ),
  );
  const b = calcLat(ts.bwStat[ddir] as IoStat);
  const pOfAgg = b !== undefined ? aggPercent(rs, ddir, b.mean) : 0;
  o.int('bw_min', b?.min ?? 0)
    .int('bw_max', b?.max ?? 0)
    .float('bw_agg', pOfAgg)
    .float('bw_mean', b?.mean ?? 0)
    .float('bw_dev', b?.dev ?? 0)
    .int('bw_samples', (ts.bwStat[ddir] as IoStat).samples);
  const io = calcLat(ts.iopsStat[ddir] as IoStat);
  o.int('iops_min', io?.min ?? 0)
    .int('iops_max', io?.max ?? 0)
    .float('iops_mean', io?.mean ?? 0)
    .float('iops_stddev', io?.dev ?? 0)
    .int('iops_samples', (ts.iopsStat[ddir] as IoStat).samples);
}

/** Models `json_add_job_opts()` (stat.c): nothing for an empty list. */
export function jsonAddJobOpts(root: JsonObject, name: string, opts: readonly (readonly [string, string])[]): void {
  if (opts.length === 0) return;
  const o = new JsonObject();
  root.add(name, o);
  for (const [k, v] of opts) o.str(k, v);
}

/**
 * Models `show_thread_status_json()` (stat.c).
 * @param ts - thread stat
 * @param rs - its group
 * @param opts - its "job options"
 * @param eta - `eta` and `elapsed` (s) fields
 * @param jsonPlus - add `bins` (json+)
 * @returns the job object
 */
export function showThreadStatusJson(
  ts: ThreadStat,
  rs: GroupRunStats,
  opts: readonly (readonly [string, string])[],
  eta: { readonly eta: number; readonly elapsed: number },
  jsonPlus: boolean,
): JsonObject {
  const root = new JsonObject().str('jobname', ts.name).int('groupid', ts.groupid).int('error', ts.error);
  root.int('eta', eta.eta).int('elapsed', eta.elapsed);
  jsonAddJobOpts(root, 'job options', opts);
  for (let d = 0; d < 4; d++) ddirStatusJson(ts, rs, d, root, jsonPlus);
  const runt = ts.totalRunTime;
  root
    .int('job_runtime', runt)
    .float('usr_cpu', runt !== 0 ? (ts.usrTime * 100) / runt : 0)
    .float('sys_cpu', runt !== 0 ? (ts.sysTime * 100) / runt : 0)
    .int('ctx', ts.ctx)
    .int('majf', ts.majf)
    .int('minf', ts.minf);
  const totalIos = (ts.totalIoU[0] as number) + (ts.totalIoU[1] as number) + (ts.totalIoU[2] as number);
  const level = new JsonObject();
  statCalcDist(ts.ioUMap, totalIos).forEach((v, i) => level.float(i < 6 ? String(1 << i) : `>=${1 << i}`, v));
  root.add('iodepth_level', level);
  const batchName = (i: number): string => (i === 0 ? '0' : i < 6 ? String(1 << (i + 1)) : `>=${1 << i}`);
  const submit = new JsonObject();
  statCalcDist(ts.ioUSubmit, ts.totalSubmit).forEach((v, i) => submit.float(batchName(i), v));
  root.add('iodepth_submit', submit);
  const complete = new JsonObject();
  statCalcDist(ts.ioUComplete, ts.totalComplete).forEach((v, i) => complete.float(batchName(i), v));
  root.add('iodepth_complete', complete);
  const nu = ['2', '4', '10', '20', '50', '100', '250', '500', '750', '1000'];
  const m = [...nu, '2000', '>=2000'];
  const latN = new JsonObject();
  statCalcLat(ts, ts.ioULatN).forEach((v, i) => latN.float(nu[i] as string, v));
  root.add('latency_ns', latN);
  const latU = new JsonObject();
  statCalcLat(ts, ts.ioULatU).forEach((v, i) => latU.float(nu[i] as string, v));
  root.add('latency_us', latU);
  const latM = new JsonObject();
  statCalcLat(ts, ts.ioULatM).forEach((v, i) => latM.float(m[i] as string, v));
  root.add('latency_ms', latM);
  if (ts.continueOnError) root.int('total_err', ts.totalErrCount).int('first_error', ts.firstError);
  if (ts.latencyDepth !== 0) {
    root
      .int('latency_depth', ts.latencyDepth)
      .int('latency_target', ts.latencyTarget)
      .float('latency_percentile', ts.latencyPercentile)
      .int('latency_window', ts.latencyWindow);
  }
  if (ts.description !== '') root.str('desc', ts.description);
  if (ts.ssDur !== 0) root.add('steadystate', ssJson(ts));
  return root;
}

/** What {@link showRunStats} prints. */
export interface ShowRunStatsOptions {
  /** Formats to print. */
  readonly formats: ReadonlySet<'normal' | 'json' | 'json+'>;
  /** Global options (JSON "global options"). */
  readonly globalOptions: readonly (readonly [string, string])[];
  /** `"fio version"`. */
  readonly version: string;
  /** Report time, ms since the Unix epoch. */
  readonly timeMs: number;
  /** Extra top-level JSON members after `jobs` (stackemu's section). */
  readonly extra?: readonly (readonly [string, JsonValue])[];
}

/** Models `os_ctime_r()`: `Tue Nov 24 16:32:03 2026` in UTC. */
export function ctime(ms: number): string {
  const d = new Date(ms);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()] as string} ${months[d.getUTCMonth()] as string} ${String(d.getUTCDate()).padStart(2)} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/**
 * Models `__show_run_stats()` (stat.c): the final report in each requested format (JSON first, as fio's
 * buffer order gives it, then the normal text).
 * @param jobs - per-job results in thread order
 * @param o - formats, global options, version, time
 * @returns the report text
 */
export function showRunStats(jobs: readonly JobReport[], o: ShowRunStatsOptions): string {
  const { threadstats, optLists, runstats } = buildRunStats(jobs);
  const wantJson = o.formats.has('json') || o.formats.has('json+');
  const jsonPlus = o.formats.has('json+');
  const normal = o.formats.has('normal');
  const parts: string[] = [];
  const timeStr = ctime(o.timeMs);
  let root: JsonObject | undefined;
  if (wantJson) {
    root = new JsonObject()
      .str('fio version', o.version)
      .int('timestamp', Math.floor(o.timeMs / 1000))
      .int('timestamp_ms', Math.floor(o.timeMs))
      .str('time', timeStr);
    jsonAddJobOpts(root, 'global options', o.globalOptions);
  }
  const normalParts: string[] = [];
  const jobsArr = new JsonArray();
  threadstats.forEach((ts, i) => {
    const rs = runstats[ts.groupid] as GroupRunStats;
    if (wantJson)
      jobsArr.add(
        showThreadStatusJson(
          ts,
          rs,
          optLists[i] ?? [],
          { eta: 2147483647, elapsed: Math.ceil(ts.totalRunTime / 1000) },
          jsonPlus,
        ),
      );
    if (normal) normalParts.push(showThreadStatusNormal(ts, rs, `${timeStr}\n`));
  });
  if (root !== undefined) {
    root.add('jobs', jobsArr);
    for (const [k, v] of o.extra ?? []) root.add(k, v);
    parts.push(`${jsonPrint(root)}\n`);
  }
  if (normal) {
    parts.push('\n', ...normalParts);
    for (const rs of runstats) parts.push(showGroupStats(rs));
  }
  return parts.join('');
}
