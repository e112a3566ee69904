/**
 * A job's options after parsing, as fio's `struct thread_options` (thread_options.h) holds them.
 * @packageDocumentation
 */
import type { KbBase } from './parse.js';

/** Models `enum fio_ddir` (io_ddir.h): `DDIR_READ`. */
export const DDIR_READ = 0;
/** Models `enum fio_ddir` (io_ddir.h): `DDIR_WRITE`. */
export const DDIR_WRITE = 1;
/** Models `enum fio_ddir` (io_ddir.h): `DDIR_TRIM`. */
export const DDIR_TRIM = 2;
/** Models `enum fio_ddir` (io_ddir.h): `DDIR_SYNC` (fsync). */
export const DDIR_SYNC = 3;
/** Models `enum fio_ddir` (io_ddir.h): `DDIR_DATASYNC` (fdatasync). */
export const DDIR_DATASYNC = 4;
/** Models `enum fio_ddir` (io_ddir.h): `DDIR_RWDIR_CNT`, the number of data directions. */
export const DDIR_RWDIR_CNT = 3;

/** A data direction: `DDIR_READ`, `DDIR_WRITE` or `DDIR_TRIM`. */
export type DataDir = 0 | 1 | 2;
/** A direction including the sync kinds. */
export type IoDir = DataDir | 3 | 4;

/** Models `enum td_ddir` (io_ddir.h): `TD_DDIR_READ`. */
export const TD_DDIR_READ = 1;
/** Models `enum td_ddir` (io_ddir.h): `TD_DDIR_WRITE`. */
export const TD_DDIR_WRITE = 2;
/** Models `enum td_ddir` (io_ddir.h): `TD_DDIR_RAND`. */
export const TD_DDIR_RAND = 4;
/** Models `enum td_ddir` (io_ddir.h): `TD_DDIR_TRIM`. */
export const TD_DDIR_TRIM = 8;

/** Models `ddir_str()` (io_ddir.h): the `rw=` name of a `td_ddir` value. */
export function ddirStr(tdDdir: number): string {
  const names: Readonly<Record<number, string>> = {
    1: 'read',
    2: 'write',
    3: 'rw',
    4: 'rand',
    5: 'randread',
    6: 'randwrite',
    7: 'randrw',
    8: 'trim',
    10: 'trimwrite',
    12: 'randtrim',
    14: 'randtrimwrite',
  };
  return names[tdDdir] ?? 'invalid';
}

/** Models `struct bssplit` (thread_options.h): one block size and its share in percent. */
export interface BsSplit {
  /** Block size in bytes. */
  readonly bs: number;
  /** Percentage of I/Os of this size. */
  readonly perc: number;
}

/** Models `enum fio_memtype` (thread_options.h) as the `mem=` names stackemu supports. */
export type MemType = 'malloc' | 'shm' | 'mmap' | 'mmapshared';

/** Models the `verify=` methods (verify.h `VERIFY_*`) stackemu supports (`meta` is `VERIFY_HDR_ONLY`). */
export type VerifyType = 'none' | 'meta' | 'md5' | 'crc32c' | 'sha256' | 'pattern';

/** Models the `random_distribution=` choices (`FIO_RAND_DIST_*`, fio.h). */
export type RandomDistribution = 'random' | 'zipf' | 'pareto' | 'normal';

/** A byte value that may be given as a percentage of the file (`size=20%`). */
export type SizeOrPercent =
  | {
      /** Bytes. */
      readonly bytes: number;
    }
  | {
      /** Percent of the file or device. */
      readonly percent: number;
    };

/**
 * Models `struct thread_options` (thread_options.h): every option of one job, parsed. Sizes are bytes, times
 * µs (fio's units), per-direction arrays are indexed by `DDIR_READ`/`DDIR_WRITE`/`DDIR_TRIM`.
 */
export interface ThreadOptions {
  /** `name=`. */
  name: string;
  /** `description=`. */
  description: string;
  /** `filename=` (colon-separated list), or empty for fio's generated names. */
  filename: string;
  /** `directory=`. */
  directory: string;
  /** `filename_format=`. */
  filenameFormat: string;
  /** `ioengine=` (name; engine-specific options in {@link ThreadOptions.engine}). */
  ioengine: string;
  /** `mem=` type. */
  memType: MemType;
  /** `mem=mmap:FILE`: the backing file, if any. */
  mmapfile: string;
  /** `rw=` as `enum td_ddir` bits. */
  tdDdir: number;
  /** `rw=randX:nr`: a new random offset every nr I/Os. */
  ddirSeqNr: number;
  /** `rw=X:nr` for sequential patterns: bytes added to each offset (may be negative). */
  ddirSeqAdd: number;
  /** `rw_sequencer=`: `sequential` or `identical`. */
  rwSeq: 'sequential' | 'identical';
  /** `kb_base=`. */
  kbBase: KbBase;
  /** `iodepth=`. */
  iodepth: number;
  /** `iodepth_low=` (0 = same as iodepth). */
  iodepthLow: number;
  /** `iodepth_batch=` / `iodepth_batch_submit=`. */
  iodepthBatch: number;
  /** `iodepth_batch_complete_min=`. */
  iodepthBatchCompleteMin: number;
  /** `iodepth_batch_complete_max=` (0 = iodepth). */
  iodepthBatchCompleteMax: number;
  /** `size=` (undefined = not set). */
  size: SizeOrPercent | undefined;
  /** `io_size=` (undefined = not set). */
  ioSize: SizeOrPercent | undefined;
  /** `filesize=` low/high (undefined = not set). */
  fileSizeLow: number | undefined;
  /** `filesize=` high bound of a range. */
  fileSizeHigh: number | undefined;
  /** `fill_device=`. */
  fillDevice: boolean;
  /** `file_append=`. */
  fileAppend: boolean;
  /** `offset=`. */
  startOffset: SizeOrPercent;
  /** `offset_align=` (0 = not set). */
  startOffsetAlign: number;
  /** `offset_increment=`. */
  offsetIncrement: SizeOrPercent;
  /** `number_ios=`. */
  numberIos: number;
  /** `bs=` per direction. */
  bs: [number, number, number];
  /** `ba=` / `blockalign=` per direction (0 = not set: min bs). */
  ba: [number, number, number];
  /** Minimum block size per direction (from bs, bsrange or bssplit). */
  minBs: [number, number, number];
  /** Maximum block size per direction. */
  maxBs: [number, number, number];
  /** `bssplit=` per direction (empty = none). */
  bssplit: [BsSplit[], BsSplit[], BsSplit[]];
  /** `bs_unaligned`. */
  bsUnaligned: boolean;
  /** `bs_is_seq_rand`. */
  bsIsSeqRand: boolean;
  /** `nrfiles=`. */
  nrFiles: number;
  /** `openfiles=` (0 = nrfiles). */
  openFiles: number;
  /** `file_service_type=`. */
  fileServiceType: 'roundrobin' | 'sequential' | 'random';
  /** `direct=` (O_DIRECT). */
  odirect: boolean;
  /** `invalidate=`. */
  invalidateCache: boolean;
  /** `create_serialize=`. */
  createSerialize: boolean;
  /** `create_fsync=`. */
  createFsync: boolean;
  /** `create_on_open=`. */
  createOnOpen: boolean;
  /** `create_only=`. */
  createOnly: boolean;
  /** `allow_file_create=`. */
  allowCreate: boolean;
  /** `end_fsync=`. */
  endFsync: boolean;
  /** `fsync_on_close=`. */
  fsyncOnClose: boolean;
  /** `sync=` (O_SYNC / O_DSYNC on open): 0, `O_SYNC` or `O_DSYNC`. */
  syncIo: 'none' | 'sync' | 'dsync';
  /** `verify=`. */
  verify: VerifyType;
  /** `do_verify=`. */
  doVerify: boolean;
  /** `verify_interval=` (0 = block size). */
  verifyInterval: number;
  /** `verify_offset=`. */
  verifyOffset: number;
  /** `verify_pattern=` bytes (empty = none). */
  verifyPattern: Uint8Array;
  /** `verify_fatal=`. */
  verifyFatal: boolean;
  /** `verify_backlog=` (0 = verify after all writes). */
  verifyBacklog: number;
  /** `verify_backlog_batch=` (0 = verify_backlog). */
  verifyBatch: number;
  /** `verify_only`. */
  verifyOnly: boolean;
  /** `verify_state_save=`. */
  verifyStateSave: boolean;
  /** `thread`. */
  useThread: boolean;
  /** `unlink=`. */
  unlink: boolean;
  /** `unlink_each_loop=`. */
  unlinkEachLoop: boolean;
  /** `randrepeat=`. */
  randRepeatable: boolean;
  /**
   * `rand_repeatable` as `setup_random_seeds()` saw it: `add_job()` seeds before `fixup_options()` clears
   * randrepeat for a set randseed, so the first job of a section still takes fio's fixed offset seed, while its
   * numjobs clones, copied from the fixed-up job, take the randseed-derived one.
   */
  randRepeatSeeded: boolean;
  /** `allrandrepeat=`. */
  allRandRepeatable: boolean;
  /** `randseed=`. */
  randSeed: bigint;
  /** True once `randseed=` was given (fio then also sets randrepeat). */
  randSeedSet: boolean;
  /** `norandommap`. */
  norandommap: boolean;
  /** `softrandommap=`. */
  softrandommap: boolean;
  /** `random_generator=`. */
  randomGenerator: 'tausworthe' | 'lfsr' | 'tausworthe64';
  /** `random_distribution=`. */
  randomDistribution: RandomDistribution;
  /** Parameter of the zipf distribution (theta). */
  zipfTheta: number;
  /** Parameter of the pareto distribution (h). */
  paretoH: number;
  /** Standard deviation of the normal distribution, in percent of the range. */
  gaussDev: number;
  /** Centre of the distribution (0–1), `random_distribution=zipf:1.2:0.5`. */
  randomCenter: number;
  /** `percentage_random=` per direction. */
  percRand: [number, number, number];
  /** `fsync=N`: fsync every N writes. */
  fsyncBlocks: number;
  /** `fdatasync=N`. */
  fdatasyncBlocks: number;
  /** `startdelay=` (µs). */
  startDelay: number;
  /** `runtime=` (µs; 0 = none). */
  timeout: number;
  /** `ramp_time=` (µs). */
  rampTime: number;
  /** `overwrite=`. */
  overwrite: boolean;
  /** `loops=`. */
  loops: number;
  /** `mem_align=` / `iomem_align=`. */
  memAlign: number;
  /** `stonewall` / `wait_for_previous`. */
  stonewall: boolean;
  /** `new_group`. */
  newGroup: boolean;
  /** `numjobs=`. */
  numjobs: number;
  /** `rwmixread=`/`rwmixwrite=` as percentages per direction. */
  rwmix: [number, number, number];
  /** `group_reporting`. */
  groupReporting: boolean;
  /** `stats=`. */
  stats: boolean;
  /** `zero_buffers`. */
  zeroBuffers: boolean;
  /** `refill_buffers`. */
  refillBuffers: boolean;
  /** `scramble_buffers=`. */
  scrambleBuffers: boolean;
  /** `buffer_pattern=` bytes (empty = none). */
  bufferPattern: Uint8Array;
  /** `time_based`. */
  timeBased: boolean;
  /** `disable_lat=`. */
  disableLat: boolean;
  /** `disable_clat=`. */
  disableClat: boolean;
  /** `disable_slat=`. */
  disableSlat: boolean;
  /** `disable_bw_measurement=`. */
  disableBw: boolean;
  /** `gtod_reduce=`. */
  gtodReduce: boolean;
  /** `clat_percentiles=`. */
  clatPercentiles: boolean;
  /** `lat_percentiles=`. */
  latPercentiles: boolean;
  /** `slat_percentiles=`. */
  slatPercentiles: boolean;
  /** `percentile_list=`. */
  percentileList: number[];
  /** Digits after the decimal point of the percentile list (for output). */
  percentilePrecision: number;
  /** `significant_figures=`. */
  sigFigs: number;
  /** `unified_rw_reporting=`. */
  unifiedRwRep: 'none' | 'mixed' | 'both';
  /** `continue_on_error=`. */
  continueOnError: 'none' | 'read' | 'write' | 'io' | 'verify' | 'all';
  /** `exitall`. */
  exitall: boolean;
  /** `bwavgtime=` (ms). */
  bwAvgTime: number;
  /** `iopsavgtime=` (ms). */
  iopsAvgTime: number;
  /** `trim_percentage=` etc. are not modelled; kept for completeness of the error path. */
  fallocateMode: 'none' | 'native' | 'posix' | 'keep' | 'truncate';
  /** `io_submit_mode=`: submit inline, or hand io_us to worker threads (`IO_MODE_OFFLOAD`). */
  ioSubmitMode: 'inline' | 'offload';
  /** `rate=` per direction, bytes/s (0 = none). */
  rate: [number, number, number];
  /** `rate_min=` per direction, bytes/s. */
  rateMin: [number, number, number];
  /** `rate_iops=` per direction. */
  rateIops: [number, number, number];
  /** `rate_iops_min=` per direction. */
  rateIopsMin: [number, number, number];
  /** `rate_process=`. */
  rateProcess: 'linear' | 'poisson';
  /** `rate_cycle=` (ms). */
  rateCycle: number;
  /** `rate_ignore_thinktime=`. */
  rateIgnThink: boolean;
  /** `thinktime=` (µs). */
  thinktime: number;
  /** `thinktime_spin=` (µs). */
  thinktimeSpin: number;
  /** `thinktime_blocks=`. */
  thinktimeBlocks: number;
  /** `thinktime_blocks_type=`. */
  thinktimeBlocksType: 'complete' | 'issue';
  /** `thinktime_iotime=` (µs). */
  thinktimeIotime: number;
  /** `max_latency=` per direction (µs as given; ns after {@link ThreadOptions} fixup, as fio keeps it). */
  maxLatency: [number, number, number];
  /** `latency_target=` (µs as given; ns after fixup, as fio keeps it). */
  latencyTarget: number;
  /** `latency_window=` (µs). */
  latencyWindow: number;
  /** `latency_percentile=`. */
  latencyPercentile: number;
  /** `latency_run=`. */
  latencyRun: boolean;
  /** `steadystate=` criterion bits (`FIO_SS_*`, steadystate.h). */
  ssState: number;
  /** `steadystate=` limit. */
  ssLimit: number;
  /** `steadystate_duration=` (µs). */
  ssDur: number;
  /** `steadystate_ramp_time=` (µs). */
  ssRampTime: number;
  /** `write_bw_log`. */
  writeBwLog: boolean;
  /** `write_bw_log=` prefix (empty = job name). */
  bwLogFile: string;
  /** `write_lat_log`. */
  writeLatLog: boolean;
  /** `write_lat_log=` prefix. */
  latLogFile: string;
  /** `write_iops_log`. */
  writeIopsLog: boolean;
  /** `write_iops_log=` prefix. */
  iopsLogFile: string;
  /** `write_hist_log`. */
  writeHistLog: boolean;
  /** `write_hist_log=` prefix. */
  histLogFile: string;
  /** `log_avg_msec=`. */
  logAvgMsec: number;
  /** `log_hist_msec=`. */
  logHistMsec: number;
  /** `log_hist_coarseness=`. */
  logHistCoarseness: number;
  /** `log_max_value=`. */
  logMax: boolean;
  /** `log_offset=`. */
  logOffset: boolean;
  /** `log_prio=`. */
  logPrio: boolean;
  /** `per_job_logs=`. */
  perJobLogs: boolean;
  /** Engine-specific options (`fixedbufs`, `registerfiles`, `hipri`, `userspace_reap`…), parsed. */
  engine: EngineOptions;
  /** Which options were set, by canonical name, in the order given (job file text), for "job options". */
  setOptions: Set<string>;
}

/** Engine options of the engines stackemu supports (fio's per-engine `struct fio_option` tables). */
export interface EngineOptions {
  /** io_uring `fixedbufs`. */
  fixedbufs: boolean;
  /** io_uring `registerfiles`. */
  registerfiles: boolean;
  /** io_uring `sqthread_poll`. */
  sqthreadPoll: boolean;
  /** io_uring / pvsync2 `hipri`. */
  hipri: boolean;
  /** io_uring `nonvectored` (-1 = auto: fio probes, 1 on 6.x kernels = use IORING_OP_READ/WRITE). */
  nonvectored: number;
  /** io_uring `force_async=N`. */
  forceAsync: number;
  /** libaio `userspace_reap`. */
  userspaceReap: boolean;
  /** pvsync2 `uncached`. */
  uncached: number;
  /** pvsync2 `nowait`, io_uring `nowait`. */
  nowait: boolean;
}

/**
 * Builds a `struct thread_options` with fio's defaults (the `.def` of each option in options.c).
 * @returns a fresh, mutable options object
 */
export function defaultThreadOptions(): ThreadOptions {
  return {
    name: '',
    description: '',
    filename: '',
    directory: '',
    filenameFormat: '$jobname.$jobnum.$filenum',
    ioengine: 'psync',
    memType: 'malloc',
    mmapfile: '',
    tdDdir: TD_DDIR_READ,
    ddirSeqNr: 1,
    ddirSeqAdd: 0,
    rwSeq: 'sequential',
    kbBase: 1024,
    iodepth: 1,
    iodepthLow: 0,
    iodepthBatch: 1,
    iodepthBatchCompleteMin: 1,
    iodepthBatchCompleteMax: 0,
    size: undefined,
    ioSize: undefined,
    fileSizeLow: undefined,
    fileSizeHigh: undefined,
    fillDevice: false,
    fileAppend: false,
    startOffset: { bytes: 0 },
    startOffsetAlign: 0,
    offsetIncrement: { bytes: 0 },
    numberIos: 0,
    bs: [4096, 4096, 4096],
    ba: [0, 0, 0],
    minBs: [4096, 4096, 4096],
    maxBs: [4096, 4096, 4096],
    bssplit: [[], [], []],
    bsUnaligned: false,
    bsIsSeqRand: false,
    nrFiles: 1,
    openFiles: 0,
    fileServiceType: 'roundrobin',
    odirect: false,
    invalidateCache: true,
    createSerialize: true,
    createFsync: true,
    createOnOpen: false,
    createOnly: false,
    allowCreate: true,
    endFsync: false,
    fsyncOnClose: false,
    syncIo: 'none',
    verify: 'none',
    doVerify: true,
    verifyInterval: 0,
    verifyOffset: 0,
    verifyPattern: new Uint8Array(0),
    verifyFatal: false,
    verifyBacklog: 0,
    verifyBatch: 0,
    verifyOnly: false,
    verifyStateSave: true,
    useThread: false,
    unlink: false,
    unlinkEachLoop: false,
    randRepeatable: true,
    randRepeatSeeded: true,
    allRandRepeatable: false,
    randSeed: 0x89n,
    randSeedSet: false,
    norandommap: false,
    softrandommap: false,
    randomGenerator: 'tausworthe',
    randomDistribution: 'random',
    zipfTheta: 0,
    paretoH: 0,
    gaussDev: 0,
    randomCenter: 0.5,
    percRand: [100, 100, 100],
    fsyncBlocks: 0,
    fdatasyncBlocks: 0,
    startDelay: 0,
    timeout: 0,
    rampTime: 0,
    overwrite: false,
    loops: 1,
    memAlign: 0,
    stonewall: false,
    newGroup: false,
    numjobs: 1,
    rwmix: [50, 50, 0],
    groupReporting: false,
    stats: true,
    zeroBuffers: false,
    refillBuffers: false,
    scrambleBuffers: true,
    bufferPattern: new Uint8Array(0),
    timeBased: false,
    disableLat: false,
    disableClat: false,
    disableSlat: false,
    disableBw: false,
    gtodReduce: false,
    clatPercentiles: true,
    latPercentiles: false,
    slatPercentiles: false,
    percentileList: [1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99],
    percentilePrecision: 2,
    sigFigs: 4,
    unifiedRwRep: 'none',
    continueOnError: 'none',
    exitall: false,
    bwAvgTime: 500,
    iopsAvgTime: 500,
    fallocateMode: 'native',
    ioSubmitMode: 'inline',
    rate: [0, 0, 0],
    rateMin: [0, 0, 0],
    rateIops: [0, 0, 0],
    rateIopsMin: [0, 0, 0],
    rateProcess: 'linear',
    rateCycle: 1000,
    rateIgnThink: false,
    thinktime: 0,
    thinktimeSpin: 0,
    thinktimeBlocks: 1,
    thinktimeBlocksType: 'complete',
    thinktimeIotime: 0,
    maxLatency: [0, 0, 0],
    latencyTarget: 0,
    latencyWindow: 0,
    latencyPercentile: 100,
    latencyRun: false,
    // steadystate's default "iops_slope:0.01%": FIO_SS_IOPS | FIO_SS_SLOPE | FIO_SS_PCT
    ssState: 1 | 4 | 64,
    ssLimit: 0.01,
    ssDur: 0,
    ssRampTime: 0,
    writeBwLog: false,
    bwLogFile: '',
    writeLatLog: false,
    latLogFile: '',
    writeIopsLog: false,
    iopsLogFile: '',
    writeHistLog: false,
    histLogFile: '',
    logAvgMsec: 0,
    logHistMsec: 0,
    logHistCoarseness: 0,
    logMax: false,
    logOffset: false,
    logPrio: false,
    perJobLogs: true,
    engine: {
      fixedbufs: false,
      registerfiles: false,
      sqthreadPoll: false,
      hipri: false,
      nonvectored: -1,
      forceAsync: 0,
      userspaceReap: false,
      uncached: 0,
      nowait: false,
    },
    setOptions: new Set(),
  };
}

/**
 * Copies a `struct thread_options` (fio copies the global section's options into each job it starts).
 * @returns a deep copy
 */
export function cloneThreadOptions(o: ThreadOptions): ThreadOptions {
  return {
    ...o,
    bs: [...o.bs],
    ba: [...o.ba],
    minBs: [...o.minBs],
    maxBs: [...o.maxBs],
    bssplit: [[...o.bssplit[0]], [...o.bssplit[1]], [...o.bssplit[2]]],
    percRand: [...o.percRand],
    rwmix: [...o.rwmix],
    rate: [...o.rate],
    rateMin: [...o.rateMin],
    rateIops: [...o.rateIops],
    rateIopsMin: [...o.rateIopsMin],
    maxLatency: [...o.maxLatency],
    percentileList: [...o.percentileList],
    verifyPattern: o.verifyPattern.slice(),
    bufferPattern: o.bufferPattern.slice(),
    engine: { ...o.engine },
    setOptions: new Set(o.setOptions),
  };
}

/** Models `td_read()` (io_ddir.h). */
export function tdRead(o: ThreadOptions): boolean {
  return (o.tdDdir & TD_DDIR_READ) !== 0;
}
/** Models `td_write()` (io_ddir.h). */
export function tdWrite(o: ThreadOptions): boolean {
  return (o.tdDdir & TD_DDIR_WRITE) !== 0;
}
/** Models `td_trim()` (io_ddir.h). */
export function tdTrim(o: ThreadOptions): boolean {
  return (o.tdDdir & TD_DDIR_TRIM) !== 0;
}
/** Models `td_rw()` (io_ddir.h): both reads and writes. */
export function tdRw(o: ThreadOptions): boolean {
  return (o.tdDdir & (TD_DDIR_READ | TD_DDIR_WRITE)) === (TD_DDIR_READ | TD_DDIR_WRITE);
}
/** Models `td_random()` (io_ddir.h). */
export function tdRandom(o: ThreadOptions): boolean {
  return (o.tdDdir & TD_DDIR_RAND) !== 0;
}

/** Models `td_max_bs()` (fio.h): the largest block size over the directions. */
export function tdMaxBs(o: ThreadOptions): number {
  return Math.max(o.maxBs[0], o.maxBs[1], o.maxBs[2]);
}

/** Models `td_min_bs()` (fio.h): the smallest block size over the directions. */
export function tdMinBs(o: ThreadOptions): number {
  return Math.min(o.minBs[0], o.minBs[1], o.minBs[2]);
}
