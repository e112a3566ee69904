/**
 * fio's statistics (`stat.c`, `stat.h`): running mean and variance, the latency histogram with fio's bins and
 * percentiles, the depth and latency distributions, and their sums for group reporting.
 * @packageDocumentation
 */

/** Models `FIO_IO_U_PLAT_BITS` (stat.h). */
export const FIO_IO_U_PLAT_BITS = 6;
/** Models `FIO_IO_U_PLAT_VAL` (stat.h). */
export const FIO_IO_U_PLAT_VAL = 1 << FIO_IO_U_PLAT_BITS;
/** Models `FIO_IO_U_PLAT_GROUP_NR` (stat.h). */
export const FIO_IO_U_PLAT_GROUP_NR = 29;
/** Models `FIO_IO_U_PLAT_NR` (stat.h): histogram bins. */
export const FIO_IO_U_PLAT_NR = FIO_IO_U_PLAT_GROUP_NR * FIO_IO_U_PLAT_VAL;
/** Models `FIO_IO_U_MAP_NR` (stat.h). */
export const FIO_IO_U_MAP_NR = 7;
/** Models `FIO_IO_U_LAT_N_NR` (stat.h). */
export const FIO_IO_U_LAT_N_NR = 10;
/** Models `FIO_IO_U_LAT_U_NR` (stat.h). */
export const FIO_IO_U_LAT_U_NR = 10;
/** Models `FIO_IO_U_LAT_M_NR` (stat.h). */
export const FIO_IO_U_LAT_M_NR = 12;
/** Models `FIO_IO_U_LIST_MAX_LEN` (stat.h). */
export const FIO_IO_U_LIST_MAX_LEN = 20;

/**
 * Models `struct io_stat` (stat.h): min, max and Welford's running mean and sum of squares.
 */
export class IoStat {
  /** Largest sample. */
  maxVal = 0;
  /** Smallest sample (`ULONG_MAX` until the first one). */
  minVal = Number.MAX_SAFE_INTEGER;
  /** Number of samples. */
  samples = 0;
  /** Running mean. */
  mean = 0;
  /** Running sum of squared deviations. */
  S = 0;

  /** Models `add_stat_sample()` (stat.c). */
  add(data: number): void {
    if (data > this.maxVal) this.maxVal = data;
    if (data < this.minVal) this.minVal = data;
    const delta = data - this.mean;
    if (delta !== 0) {
      this.mean += delta / (this.samples + 1);
      this.S += delta * (data - this.mean);
    }
    this.samples++;
  }

  /** Models `reset_io_stat()` (stat.c). */
  reset(): void {
    this.maxVal = 0;
    this.minVal = Number.MAX_SAFE_INTEGER;
    this.samples = 0;
    this.mean = 0;
    this.S = 0;
  }

  /**
   * Models `sum_stat()` (stat.c): merges `src` (parallel variance), or adds it when `pureSum`
   * (bandwidth and IOPS of group members).
   */
  sum(src: IoStat, pureSum: boolean): void {
    if (src.samples === 0) return;
    const first = this.samples === 0;
    if (!pureSum) {
      this.minVal = Math.min(this.minVal, src.minVal);
      this.maxVal = Math.max(this.maxVal, src.maxVal);
      if (first) {
        this.mean = src.mean;
        this.S = src.S;
      } else {
        const delta = src.mean - this.mean;
        const n = this.samples + src.samples;
        const mean = (src.mean * src.samples + this.mean * this.samples) / n;
        this.S = src.S + this.S + (delta * delta * (this.samples * src.samples)) / n;
        this.mean = mean;
      }
      this.samples += src.samples;
      return;
    }
    if (first) {
      this.minVal = src.minVal;
      this.maxVal = src.maxVal;
      this.samples = src.samples;
      this.mean = src.mean;
      this.S = src.S;
    } else {
      this.minVal += src.minVal;
      this.maxVal += src.maxVal;
      this.samples += src.samples;
      this.mean += src.mean;
      this.S += src.S;
    }
  }
}

/** What {@link calcLat} returns. */
export interface LatSummary {
  /** Minimum. */
  readonly min: number;
  /** Maximum. */
  readonly max: number;
  /** Mean. */
  readonly mean: number;
  /** Sample standard deviation. */
  readonly dev: number;
}

/**
 * Models `calc_lat()` (stat.c).
 * @returns min, max, mean and standard deviation, or undefined with no samples
 */
export function calcLat(is: IoStat): LatSummary | undefined {
  const n = is.samples;
  if (n === 0) return undefined;
  return { min: is.minVal, max: is.maxVal, mean: is.mean, dev: n > 1 ? Math.sqrt(is.S / (n - 1)) : 0 };
}

/** Models `plat_val_to_idx()` (stat.c): the histogram bin of a latency in ns. */
export function platValToIdx(val: number): number {
  const m = val === 0 ? 0 : val < 0x100000000 ? 31 - Math.clz32(val) : 63 - Math.clz32(Math.floor(val / 0x100000000));
  if (m <= FIO_IO_U_PLAT_BITS) return val;
  const errorBits = m - FIO_IO_U_PLAT_BITS;
  const base = (errorBits + 1) << FIO_IO_U_PLAT_BITS;
  const offset = (FIO_IO_U_PLAT_VAL - 1) & Math.floor(val / 2 ** errorBits);
  return Math.min(base + offset, FIO_IO_U_PLAT_NR - 1);
}

/** Models `plat_idx_to_val()` (stat.c): the value a bin stands for (its middle). */
export function platIdxToVal(idx: number): number {
  if (idx < FIO_IO_U_PLAT_VAL << 1) return idx;
  const errorBits = (idx >> FIO_IO_U_PLAT_BITS) - 1;
  const base = 2 ** (errorBits + FIO_IO_U_PLAT_BITS);
  const k = idx % FIO_IO_U_PLAT_VAL;
  return base + Math.trunc((k + 0.5) * 2 ** errorBits);
}

/** The result of {@link calcClatPercentiles}. */
export interface Percentiles {
  /** The percentile list, sorted. */
  readonly plist: readonly number[];
  /** The value of each. */
  readonly ovals: readonly number[];
  /** Smallest value. */
  readonly minv: number;
  /** Largest value. */
  readonly maxv: number;
}

/**
 * Models `calc_clat_percentiles()` (stat.c): walks the histogram to each requested percentile.
 * @param plat - histogram
 * @param nr - number of samples
 * @param plist - requested percentiles (a zero ends the list, as in fio)
 * @returns values per percentile, or undefined for an empty list
 */
export function calcClatPercentiles(plat: Float64Array, nr: number, plist: readonly number[]): Percentiles | undefined {
  const list: number[] = [];
  for (const p of plist) {
    if (p === 0 || list.length >= FIO_IO_U_LIST_MAX_LEN) break;
    list.push(p);
  }
  if (list.length === 0) return undefined;
  list.sort((a, b) => a - b);
  const ovals = new Array<number>(list.length).fill(0);
  let minv = Number.MAX_SAFE_INTEGER;
  let maxv = 0;
  let sum = 0;
  let j = 0;
  let isLast = false;
  for (let i = 0; i < FIO_IO_U_PLAT_NR && !isLast; i++) {
    sum += plat[i] as number;
    while (sum >= ((list[j] as number) / 100) * nr) {
      const v = platIdxToVal(i);
      ovals[j] = v;
      if (v < minv) minv = v;
      if (v > maxv) maxv = v;
      isLast = j === list.length - 1;
      if (isLast) break;
      j++;
    }
  }
  return { plist: list, ovals, minv, maxv };
}

/** Latency kinds of `io_u_plat[]` (`enum fio_lat`, stat.h). */
export const FIO_SLAT = 0;
/** Completion latency histogram. */
export const FIO_CLAT = 1;
/** Total latency histogram. */
export const FIO_LAT = 2;

/**
 * Models `struct thread_stat` (stat.h): one job's (or one reporting group's) results.
 */
export class ThreadStat {
  /** Job name. */
  name = '';
  /** Description. */
  description = '';
  /** Reporting group (-1 until the first member is summed in). */
  groupid = -1;
  /** Pid of the (first) job process. */
  pid = 0;
  /** Jobs summed into this one. */
  members = 0;
  /** Thread number of the first member. */
  threadNumber = 0;
  /** errno of the job's failure, 0 if none. */
  error = 0;
  /** Text of the failure. */
  verror = '';
  /** `continue_on_error` given. */
  continueOnError = false;
  /** Errors counted with continue_on_error. */
  totalErrCount = 0;
  /** First error seen. */
  firstError = 0;
  /** Completion latencies per direction (ns). */
  readonly clatStat = [new IoStat(), new IoStat(), new IoStat()] as const;
  /** Submission latencies. */
  readonly slatStat = [new IoStat(), new IoStat(), new IoStat()] as const;
  /** Total latencies. */
  readonly latStat = [new IoStat(), new IoStat(), new IoStat()] as const;
  /** Bandwidth samples (KiB/s). */
  readonly bwStat = [new IoStat(), new IoStat(), new IoStat()] as const;
  /** IOPS samples. */
  readonly iopsStat = [new IoStat(), new IoStat(), new IoStat()] as const;
  /** fsync/fdatasync latencies. */
  readonly syncStat = new IoStat();
  /** Histograms `[FIO_SLAT|FIO_CLAT|FIO_LAT][ddir]`. */
  readonly ioUPlat: readonly (readonly Float64Array[])[] = [0, 1, 2].map(() =>
    [0, 1, 2].map(() => new Float64Array(FIO_IO_U_PLAT_NR)),
  );
  /** Sync latency histogram. */
  readonly ioUSyncPlat = new Float64Array(FIO_IO_U_PLAT_NR);
  /** Depth distribution. */
  readonly ioUMap = new Float64Array(FIO_IO_U_MAP_NR);
  /** Submission batch distribution. */
  readonly ioUSubmit = new Float64Array(FIO_IO_U_MAP_NR);
  /** Completion batch distribution. */
  readonly ioUComplete = new Float64Array(FIO_IO_U_MAP_NR);
  /** ns latency buckets. */
  readonly ioULatN = new Float64Array(FIO_IO_U_LAT_N_NR);
  /** µs latency buckets. */
  readonly ioULatU = new Float64Array(FIO_IO_U_LAT_U_NR);
  /** ms latency buckets. */
  readonly ioULatM = new Float64Array(FIO_IO_U_LAT_M_NR);
  /** I/Os issued per direction, `[3]` = syncs. */
  readonly totalIoU = new Float64Array(4);
  /** Short I/Os. */
  readonly shortIoU = new Float64Array(3);
  /** Dropped I/Os. */
  readonly dropIoU = new Float64Array(3);
  /** Bytes per direction. */
  readonly ioBytes = new Float64Array(3);
  /** Runtime per direction (ms). */
  readonly runtime = new Float64Array(3);
  /** Submissions counted. */
  totalSubmit = 0;
  /** Completion batches counted. */
  totalComplete = 0;
  /** Whole run time (ms). */
  totalRunTime = 0;
  /** User CPU time (µs). */
  usrTime = 0;
  /** System CPU time (µs). */
  sysTime = 0;
  /** Context switches. */
  ctx = 0;
  /** Major faults. */
  majf = 0;
  /** Minor faults. */
  minf = 0;
  /** `clat_percentiles`. */
  clatPercentiles = true;
  /** `lat_percentiles`. */
  latPercentiles = false;
  /** `slat_percentiles`. */
  slatPercentiles = false;
  /** Percentiles to report. */
  percentileList: number[] = [];
  /** Digits after the point for percentile names. */
  percentilePrecision = 2;
  /** `kb_base`. */
  kbBase = 1024;
  /** `unit_base` (0 auto, 8 bytes, 1 bits). */
  unitBase = 8;
  /** `significant_figures`. */
  sigFigs = 4;
  /** Queue depth reported for the latency target (`latency_depth`). */
  latencyDepth = 1;
  /** Latency target (ns), 0 if none. */
  latencyTarget = 0;
  /** Latency percentile. */
  latencyPercentile = 100;
  /** Latency window. */
  latencyWindow = 0;
  /** Steady-state criterion bits (`ss_state`), 0 without steady state. */
  ssState = 0;
  /** Steady-state window, seconds (`ss_dur`), 0 without steady state. */
  ssDur = 0;
  /** Oldest sample of the window (`ss_head`). */
  ssHead = 0;
  /** IOPS samples of the window (`ss_iops_data`). */
  ssIopsData: readonly number[] | undefined;
  /** Bandwidth samples of the window (`ss_bw_data`). */
  ssBwData: readonly number[] | undefined;
  /** Limit (`ss_limit`). */
  ssLimit = 0;
  /** Last slope (`ss_slope`). */
  ssSlope = 0;
  /** Last deviation (`ss_deviation`). */
  ssDeviation = 0;
  /** Last criterion (`ss_criterion`). */
  ssCriterion = 0;

  /** Models `add_clat_sample()` (stat.c). */
  addClatSample(ddir: number, nsec: number): void {
    (this.clatStat[ddir] as IoStat).add(nsec);
    if (this.clatPercentiles) inc(this.ioUPlat[FIO_CLAT]?.[ddir] as Float64Array, platValToIdx(nsec));
  }

  /** Models `add_slat_sample()` (stat.c). */
  addSlatSample(ddir: number, nsec: number): void {
    (this.slatStat[ddir] as IoStat).add(nsec);
    if (this.slatPercentiles) inc(this.ioUPlat[FIO_SLAT]?.[ddir] as Float64Array, platValToIdx(nsec));
  }

  /** Models `add_lat_sample()` (stat.c). */
  addLatSample(ddir: number, nsec: number): void {
    (this.latStat[ddir] as IoStat).add(nsec);
    if (this.latPercentiles) inc(this.ioUPlat[FIO_LAT]?.[ddir] as Float64Array, platValToIdx(nsec));
  }

  /** Models `add_sync_clat_sample()` (stat.c). */
  addSyncClatSample(nsec: number): void {
    inc(this.ioUSyncPlat, platValToIdx(nsec));
    this.syncStat.add(nsec);
  }

  /** Models `io_u_mark_latency()` (io_u.c): the ns/µs/ms distribution. */
  markLatency(nsec: number): void {
    if (nsec < 1000) inc(this.ioULatN, latIdx(nsec));
    else if (nsec < 1_000_000) inc(this.ioULatU, latIdx(Math.trunc(nsec / 1000)));
    else {
      const msec = Math.trunc(nsec / 1_000_000);
      inc(this.ioULatM, msec >= 2000 ? 11 : msec >= 1000 ? 10 : latIdx(msec));
    }
  }

  /** Models `io_u_mark_submit()` (io_u.c). */
  markSubmit(nr: number): void {
    inc(this.ioUSubmit, mapIdx(nr));
    this.totalSubmit++;
  }

  /** Models `io_u_mark_complete()` (io_u.c). */
  markComplete(nr: number): void {
    inc(this.ioUComplete, mapIdx(nr));
    this.totalComplete++;
  }

  /** Models `io_u_mark_depth()` (io_u.c): `nr` I/Os issued at depth `curDepth`. */
  markDepth(curDepth: number, nr: number): void {
    const idx =
      curDepth >= 64
        ? 6
        : curDepth >= 32
          ? 5
          : curDepth >= 16
            ? 4
            : curDepth >= 8
              ? 3
              : curDepth >= 4
                ? 2
                : curDepth >= 2
                  ? 1
                  : 0;
    this.ioUMap[idx] = (this.ioUMap[idx] as number) + nr;
  }

  /** Models the per-I/O counters `reset_all_stats()` clears when ramp time ends. */
  resetForRamp(): void {
    for (const a of [this.clatStat, this.slatStat, this.latStat, this.bwStat, this.iopsStat])
      for (const s of a) s.reset();
    this.syncStat.reset();
    for (const k of this.ioUPlat) for (const d of k) d.fill(0);
    this.ioUSyncPlat.fill(0);
    for (const a of [
      this.ioUMap,
      this.ioUSubmit,
      this.ioUComplete,
      this.ioULatN,
      this.ioULatU,
      this.ioULatM,
      this.totalIoU,
      this.shortIoU,
      this.dropIoU,
      this.runtime,
    ])
      a.fill(0);
    this.totalSubmit = 0;
    this.totalComplete = 0;
  }

  /** Models `sum_thread_stats()` (stat.c) for `unified_rw_reporting=none`. */
  sum(src: ThreadStat): void {
    for (let l = 0; l < 3; l++) {
      (this.clatStat[l] as IoStat).sum(src.clatStat[l] as IoStat, false);
      (this.slatStat[l] as IoStat).sum(src.slatStat[l] as IoStat, false);
      (this.latStat[l] as IoStat).sum(src.latStat[l] as IoStat, false);
      (this.bwStat[l] as IoStat).sum(src.bwStat[l] as IoStat, true);
      (this.iopsStat[l] as IoStat).sum(src.iopsStat[l] as IoStat, true);
      this.ioBytes[l] = (this.ioBytes[l] as number) + (src.ioBytes[l] as number);
      if ((this.runtime[l] as number) < (src.runtime[l] as number)) this.runtime[l] = src.runtime[l] as number;
    }
    this.syncStat.sum(src.syncStat, false);
    this.usrTime += src.usrTime;
    this.sysTime += src.sysTime;
    this.ctx += src.ctx;
    this.majf += src.majf;
    this.minf += src.minf;
    addInto(this.ioUMap, src.ioUMap);
    addInto(this.ioUSubmit, src.ioUSubmit);
    addInto(this.ioUComplete, src.ioUComplete);
    addInto(this.ioULatN, src.ioULatN);
    addInto(this.ioULatU, src.ioULatU);
    addInto(this.ioULatM, src.ioULatM);
    addInto(this.totalIoU, src.totalIoU);
    addInto(this.shortIoU, src.shortIoU);
    addInto(this.dropIoU, src.dropIoU);
    for (let k = 0; k < 3; k++)
      for (let l = 0; l < 3; l++) addInto(this.ioUPlat[k]?.[l] as Float64Array, src.ioUPlat[k]?.[l] as Float64Array);
    addInto(this.ioUSyncPlat, src.ioUSyncPlat);
    this.totalRunTime += src.totalRunTime;
    this.totalSubmit += src.totalSubmit;
    this.totalComplete += src.totalComplete;
  }
}

function inc(a: Float64Array, i: number): void {
  a[i] = (a[i] as number) + 1;
}

function addInto(dst: Float64Array, src: Float64Array): void {
  for (let i = 0; i < dst.length; i++) dst[i] = (dst[i] as number) + (src[i] as number);
}

/** Bucket of `io_u_mark_lat_nsec/usec/msec()` for a value below 1000. */
function latIdx(v: number): number {
  return v >= 750
    ? 9
    : v >= 500
      ? 8
      : v >= 250
        ? 7
        : v >= 100
          ? 6
          : v >= 50
            ? 5
            : v >= 20
              ? 4
              : v >= 10
                ? 3
                : v >= 4
                  ? 2
                  : v >= 2
                    ? 1
                    : 0;
}

/** Bucket of `__io_u_mark_map()` (io_u.c). */
function mapIdx(nr: number): number {
  return nr > 64 ? 6 : nr > 32 ? 5 : nr > 16 ? 4 : nr > 8 ? 3 : nr > 4 ? 2 : nr >= 1 ? 1 : 0;
}

/**
 * Models `struct group_run_stats` (stat.h): one reporting group's totals.
 */
export class GroupRunStats {
  /** Largest runtime per direction (ms). */
  readonly maxRun = new Float64Array(3);
  /** Smallest runtime per direction (ms). */
  readonly minRun = new Float64Array(3);
  /** Largest per-job bandwidth (B/s). */
  readonly maxBw = new Float64Array(3);
  /** Smallest per-job bandwidth (B/s). */
  readonly minBw = new Float64Array(3).fill(Number.MAX_SAFE_INTEGER);
  /** Bytes. */
  readonly ioBytes = new Float64Array(3);
  /** Aggregate bandwidth (B/s). */
  readonly agg = new Float64Array(3);
  /** `kb_base`. */
  kbBase = 1024;
  /** `unit_base`. */
  unitBase = 8;
  /** `significant_figures`. */
  sigFigs = 4;

  /** @param groupid - the group */
  constructor(readonly groupid: number) {}
}

/**
 * Models `stat_calc_dist()` (stat.c): counts to percentages (at least 0.1 for a non-zero count).
 * @returns the percentages
 */
export function statCalcDist(map: Float64Array, total: number): number[] {
  return Array.from(map, (v) => {
    if (total === 0) return 0;
    const p = (v / total) * 100;
    return p < 0.1 && v !== 0 ? 0.1 : p;
  });
}

/**
 * Models `stat_calc_lat()` (stat.c): latency bucket counts to percentages of all I/Os (at least 0.01).
 * @returns the percentages
 */
export function statCalcLat(ts: ThreadStat, src: Float64Array): number[] {
  const total = (ts.totalIoU[0] as number) + (ts.totalIoU[1] as number) + (ts.totalIoU[2] as number);
  return Array.from(src, (v) => {
    if (total === 0) return 0;
    const p = (v / total) * 100;
    return p < 0.01 && v !== 0 ? 0.01 : p;
  });
}
