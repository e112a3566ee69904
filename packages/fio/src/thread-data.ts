/**
 * One running job (`struct thread_data`, fio.h): its options, files, I/O units, random states, counters and
 * statistics.
 * @packageDocumentation
 */
import type { Scheduler } from '@stackemu/core';
import type { FioFile } from './fio-file.js';
import type { FioProcess } from './fio-host.js';
import type { IoEngineOps } from './ioengines.js';
import { IoHistory } from './iolog.js';
import type { IoU } from './io-u.js';
import type { IoMem } from './memory.js';
import type { VerifyFailure } from './verify.js';
import type { FioJob } from './init.js';
import {
  FIO_RAND_BLOCK_OFF,
  FIO_RAND_BS_OFF,
  FIO_RAND_BS1_OFF,
  FIO_RAND_BS2_OFF,
  FIO_RAND_BUF_OFF,
  FIO_RAND_FILE_OFF,
  FIO_RAND_MIX_OFF,
  FIO_RAND_POISSON_OFF,
  FIO_RAND_POISSON2_OFF,
  FIO_RAND_POISSON3_OFF,
  FIO_RAND_SEQ_RAND_READ_OFF,
  FIO_RAND_VER_OFF,
  FIO_RANDSEED,
  FrandState,
} from './rand.js';
import type { IoLog } from './io-log.js';
import type { Workqueue } from './workqueue.js';
import { SteadystateData } from './steadystate.js';
import { latTargetReset } from './lat-target.js';
import { ThreadStat } from './stat.js';
import { tdRandom, type ThreadOptions } from './thread-options.js';

/** Models the `TD_*` run states (fio.h) the runner uses. */
export type RunState =
  'not_created' | 'initialized' | 'ramp' | 'running' | 'verifying' | 'fsyncing' | 'finishing' | 'exited';

/**
 * Models `struct thread_data` (fio.h).
 */
export class ThreadData {
  /** Options (fixed up). */
  readonly o: ThreadOptions;
  /** Statistics. */
  readonly ts = new ThreadStat();
  /** Files. */
  readonly files: FioFile[] = [];
  /** All I/O units. */
  ioUAll: IoU[] = [];
  /** Free I/O units (`io_u_freelist`, a stack as in fio). */
  freelist: IoU[] = [];
  /** Requeued I/O units (`io_u_requeues`). */
  requeues: IoU[] = [];
  /** The process the job runs in. */
  proc: FioProcess | undefined;
  /** fio's `log_info()` for this job's messages (set by the backend). */
  log: (line: string) => void = () => undefined;
  /** fio's `log_err()` for this job's messages: stderr (set by the backend). */
  logErr: (line: string) => void = () => undefined;
  /** The engine. */
  engine: IoEngineOps | undefined;
  /** Engine private state (`io_ops_data`). */
  engineData: unknown;
  /** Run state. */
  runstate: RunState = 'not_created';
  /** errno of a failure. */
  error = 0;
  /** Text of the failure (`verror`). */
  verror = '';
  /** `terminate`. */
  terminate = false;
  /** `done`. */
  done = false;
  /** I/Os taken from the freelist and not yet put back (`cur_depth`). */
  curDepth = 0;
  /** Queued but not committed (`io_u_queued`). */
  ioUQueued = 0;
  /** Committed, not completed (`io_u_in_flight`). */
  ioUInFlight = 0;
  /** I/Os issued per direction (`io_issues`). */
  readonly ioIssues = [0, 0, 0];
  /** Bytes issued per direction (`io_issue_bytes`). */
  readonly ioIssueBytes = [0, 0, 0];
  /** Bytes completed (`io_bytes`). */
  readonly ioBytes = [0, 0, 0];
  /** I/Os completed (`io_blocks`). */
  readonly ioBlocks = [0, 0, 0];
  /** Bytes completed, excluding verify reads (`this_io_bytes`). */
  readonly thisIoBytes = [0, 0, 0];
  /** I/Os completed, excluding verify reads (`this_io_blocks`). */
  readonly thisIoBlocks = [0, 0, 0];
  /** Bytes at the last bandwidth sample (`stat_io_bytes`). */
  readonly statIoBytes = [0, 0, 0];
  /** I/Os at the last IOPS sample (`stat_io_blocks`). */
  readonly statIoBlocks = [0, 0, 0];
  /** Bytes done this loop (`bytes_done`). */
  readonly bytesDone = [0, 0, 0];
  /** Bytes verified. */
  bytesVerified = 0;
  /** `rwmix_ddir`. */
  rwmixDdir = 0;
  /** `rwmix_issues`. */
  rwmixIssues = 0;
  /** `ddir_seq_nr` countdown. */
  ddirSeqNr = 1;
  /** `last_was_sync`. */
  lastWasSync = false;
  /** `last_ddir`. */
  lastDdir = 0;
  /** Files finished (`nr_done_files`). */
  nrDoneFiles = 0;
  /** Files open. */
  nrOpenFiles = 0;
  /** Round-robin cursor (`next_file`). */
  nextFile = 0;
  /** `file_service_file`. */
  fileServiceFile: FioFile | undefined;
  /** `file_service_left`. */
  fileServiceLeft = 0;
  /** `file_service_nr`. */
  fileServiceNr = 1;
  /** Total loops (`td->loops`). */
  loops = 1;
  /** Start of the job (`epoch`, virtual ns). */
  epoch = 0;
  /** Start of the current loop phase (`start`, virtual ns). */
  start = 0;
  /** `ramp_time_over`. */
  rampTimeOver = false;
  /** Per-direction elapsed µs of `update_runtime()`. */
  readonly elapsedUs = [0, 0, 0];
  /** Time of the last bandwidth sample. */
  bwSampleTime = 0;
  /** Time of the last IOPS sample. */
  iopsSampleTime = 0;
  /** The verify log. */
  ioHist: IoHistory;
  /** `verify_batch` left. */
  verifyBatch = 0;
  /** Verify reads issued (numbers verify I/Os in experimental mode). */
  verifyReadIssues = 0;
  /** `TD_F_VER_BACKLOG`. */
  verBacklog = false;
  /** `TD_F_DO_VERIFY`: populate verify headers on writes. */
  doVerifyFlag = false;
  /** Job's per-purpose seeds. */
  randSeeds: bigint[] = [];
  /** Block offsets (`random_state`). */
  randomState = new FrandState(0);
  /** Block sizes per direction (`bsrange_state`). */
  readonly bsrangeState = [new FrandState(0), new FrandState(0), new FrandState(0)];
  /** Verify data seeds (`verify_state`). */
  verifyState = new FrandState(0);
  /** rwmix (`rwmix_state`). */
  rwmixState = new FrandState(0);
  /** File selection (`next_file_state`). */
  nextFileState = new FrandState(0);
  /** Sequential/random mix (`seq_rand_state`). */
  readonly seqRandState = [new FrandState(0), new FrandState(0), new FrandState(0)];
  /** Buffer contents (`buf_state`). */
  bufState = new FrandState(0);
  /** Notes for stackemu's report (modelling limits met during the run). */
  readonly notes: string[] = [];
  /** The io_u being completed's scratch buffer for verify and fills. */
  scratch = new Uint8Array(0);
  /** Total I/O size (`total_io_size`). */
  totalIoSize = 0;
  /** Completion events returned by getevents, in order (engine fills). */
  events: IoU[] = [];
  /** The data-set size after setup (`o->size` as setup_files() leaves it). */
  setSize = 0;
  /** A note about cache invalidation was recorded. */
  invalidateNoted = false;
  /** The io_u buffer area. */
  ioMem: IoMem | undefined;
  /** Files done with I/O, waiting for the loop to close them. */
  readonly toClose: FioFile[] = [];
  /** Verify mismatches seen (offset and reason), reported by the runner. */
  readonly verifyFailures: VerifyFailure[] = [];
  /** `end_io` of verify reads, bound to this job. */
  verifyEndIo: ((io: IoU) => number) | undefined;
  /** Block generator of a non-uniform `random_distribution` (zipf, pareto, normal): block or -1. */
  distribution: ((f: FioFile, lastb: number) => number) | undefined;
  /** The job an offload worker submits for (`td->parent`); undefined for a job itself. */
  parent: ThreadData | undefined;
  /** The offload workqueue (`io_wq`, `io_submit_mode=offload`). */
  wq: Workqueue<IoU, ThreadData> | undefined;
  /** `TD_F_CHECK_RATE`: some rate option is set. */
  checkRate = false;
  /** Target rate per direction, bytes/s (`rate_bps`). */
  readonly rateBps = [0, 0, 0];
  /** When the next I/O of each direction is due, µs since the epoch (`rate_next_io_time`). */
  readonly rateNextIoTime = [0, 0, 0];
  /** Bytes issued per direction for the rate (`rate_io_issue_bytes`). */
  readonly rateIoIssueBytes = [0, 0, 0];
  /** The Poisson process's running time per direction, µs (`last_usec`). */
  readonly lastUsec = [0, 0, 0];
  /** Poisson inter-arrival draws per direction (`poisson_state`). */
  readonly poissonState = [new FrandState(0), new FrandState(0), new FrandState(0)];
  /** Bytes at the last `rate_min` check (`last_rate_check_bytes`). */
  readonly lastRateCheckBytes = [0, 0, 0];
  /** I/Os at the last `rate_iops_min` check (`last_rate_check_blocks`). */
  readonly lastRateCheckBlocks = [0, 0, 0];
  /** Time of the last minimum-rate check, virtual ns (`last_rate_check_time`). */
  readonly lastRateCheckTime = [0, 0, 0];
  /** A rate sleep `rate_ddir()` decided on for the io_u being prepared (µs), taken by the I/O loop. */
  rateSleepUs = 0;
  /** The io_u being prepared wants `small_content_scramble()` once its start time is known. */
  rateScramble = false;
  /** Time of the last completion the rate check looks at (`comp_time`, virtual ns). */
  compTime = 0;
  /** What `thinktime_blocks` counts: completed (`io_blocks`) or issued (`io_issues`) I/Os. */
  thinktimeBlocksCounter: readonly number[] = this.ioBlocks;
  /** Time of the last think (`last_thinktime`, virtual ns). */
  lastThinktime = 0;
  /** Blocks at the last think (`last_thinktime_blocks`). */
  lastThinktimeBlocks = 0;
  /** Queue depth the latency target allows (`latency_qd`). */
  latencyQd = 1;
  /** `latency_qd_high`. */
  latencyQdHigh = 1;
  /** `latency_qd_low`. */
  latencyQdLow = 1;
  /** `latency_stable_count`. */
  latencyStableCount = 0;
  /** Start of the current latency window, virtual ns (`latency_ts`). */
  latencyTs = 0;
  /** I/Os at the start of the window (`latency_ios`). */
  latencyIos = 0;
  /** I/Os over the target in the window (`latency_failed`). */
  latencyFailed = 0;
  /** `latency_end_run`: the final run at the chosen depth. */
  latencyEndRun = false;
  /** A completion lowered the depth: the I/O loop quiesces before going on (`io_u_quiesce()` in fio). */
  latencyQuiescePending = false;
  /** Steady-state detector (`ss`). */
  ss = new SteadystateData();
  /** `bw_log`. */
  bwLog: IoLog | undefined;
  /** `iops_log`. */
  iopsLog: IoLog | undefined;
  /** `lat_log`. */
  latLog: IoLog | undefined;
  /** `slat_log`. */
  slatLog: IoLog | undefined;
  /** `clat_log`. */
  clatLog: IoLog | undefined;
  /** `clat_hist_log`. */
  clatHistLog: IoLog | undefined;
  /** Wakes the helper thread when I/O resumes (set by the runner). */
  kickHelper: (() => void) | undefined;

  /**
   * @param job - the parsed job
   * @param sched - virtual time
   */
  constructor(
    readonly job: FioJob,
    readonly sched: Scheduler,
  ) {
    this.o = job.o;
    this.loops = Math.max(1, this.o.loops);
    this.ioHist = new IoHistory(false);
    this.ts.name = this.o.name;
    this.ts.description = this.o.description;
    this.ts.groupid = job.groupid;
    this.ts.clatPercentiles = this.o.clatPercentiles;
    this.ts.latPercentiles = this.o.latPercentiles;
    this.ts.slatPercentiles = this.o.slatPercentiles;
    this.ts.percentileList = [...this.o.percentileList];
    this.ts.percentilePrecision = this.o.percentilePrecision;
    this.ts.kbBase = this.o.kbBase;
    this.ts.sigFigs = this.o.sigFigs;
  }

  /** The thread number (1-based). */
  get threadNumber(): number {
    return this.job.threadNumber;
  }

  /** Models `td_verror()` (fio.h): records the first error. */
  verror2(err: number, what: string): void {
    if (this.error !== 0) return;
    this.error = err;
    this.verror = `func=${what}, error=${errnoName(err)}`;
  }

  /**
   * Models `setup_random_seeds()` + `td_fill_rand_seeds()` (init.c): fixed seeds from randseed (or fresh ones
   * when `randrepeat=0` without randseed), then every generator seeded from them.
   * @param fresh - source of fresh seeds for non-repeatable jobs
   * @param repeatable - `rand_repeatable` at this point (see {@link ThreadOptions.randRepeatSeeded}): the
   * offset generator then takes fio's fixed seed (`FIO_RANDSEED * thread_number`)
   */
  fillRandSeeds(fresh: () => bigint, repeatable: boolean): void {
    const o = this.o;
    if (this.randSeeds.length === 0) {
      if (!repeatable && !o.randSeedSet) {
        this.randSeeds = Array.from({ length: 21 }, () => fresh());
      } else {
        let seed = o.randSeed;
        const mul = 0x9e370001n;
        for (let i = 0; i < 4; i++) seed = BigInt.asUintN(64, seed * mul);
        for (let i = 0; i < 21; i++) {
          this.randSeeds.push(BigInt.asUintN(64, seed * BigInt(this.threadNumber) + BigInt(i)));
          seed = BigInt.asUintN(64, seed * mul);
        }
      }
      if (o.allRandRepeatable) {
        this.randSeeds = this.randSeeds.map((_s, i) =>
          BigInt.asUintN(64, FIO_RANDSEED * BigInt(this.threadNumber) + BigInt(i)),
        );
      }
    }
    const s = this.randSeeds;
    const readSeed = s[FIO_RAND_BS_OFF] as bigint;
    let writeSeed = s[FIO_RAND_BS1_OFF] as bigint;
    let trimSeed = s[FIO_RAND_BS2_OFF] as bigint;
    if (o.verify !== 'none') writeSeed = readSeed;
    if ((o.tdDdir & 10) === 10) trimSeed = writeSeed;
    this.bsrangeState[0]?.seed(readSeed);
    this.bsrangeState[1]?.seed(writeSeed);
    this.bsrangeState[2]?.seed(trimSeed);
    this.verifyState.seed(s[FIO_RAND_VER_OFF] as bigint);
    this.rwmixState.seed(s[FIO_RAND_MIX_OFF] as bigint);
    this.nextFileState.seed(s[FIO_RAND_FILE_OFF] as bigint);
    if (tdRandom(o)) {
      if (repeatable) s[FIO_RAND_BLOCK_OFF] = BigInt.asUintN(64, FIO_RANDSEED * BigInt(this.threadNumber));
      this.randomState.seed(s[FIO_RAND_BLOCK_OFF] as bigint);
      for (const st of this.seqRandState) st.seed(s[FIO_RAND_SEQ_RAND_READ_OFF] as bigint);
    }
    this.bufState.seed(s[FIO_RAND_BUF_OFF] as bigint);
    this.poissonState[0]?.seed(s[FIO_RAND_POISSON_OFF] as bigint);
    this.poissonState[1]?.seed(s[FIO_RAND_POISSON2_OFF] as bigint);
    this.poissonState[2]?.seed(s[FIO_RAND_POISSON3_OFF] as bigint);
  }

  /**
   * Models `reset_all_stats()` (libfio.c, with `reset_io_counters(td, 1)`) plus `reset_io_stats()` (stat.c):
   * what ramp time and the latency target's final run start afresh: counters, rate state, statistics, the
   * epoch and sample times.
   */
  resetAllStats(): void {
    for (let i = 0; i < 3; i++) {
      this.statIoBytes[i] = 0;
      this.thisIoBytes[i] = 0;
      this.statIoBlocks[i] = 0;
      this.thisIoBlocks[i] = 0;
      this.lastRateCheckBytes[i] = 0;
      this.lastRateCheckBlocks[i] = 0;
      this.bytesDone[i] = 0;
      this.rateIoIssueBytes[i] = 0;
      this.rateNextIoTime[i] = 0;
      this.lastUsec[i] = 0;
      this.ioBytes[i] = 0;
      this.ioBlocks[i] = 0;
      this.ioIssues[i] = 0;
      this.elapsedUs[i] = 0;
    }
    this.bytesVerified = 0;
    this.lastWasSync = false;
    this.rwmixIssues = 0;
    if (this.o.timeBased || this.loops > 1 || this.o.doVerify) this.nrDoneFiles = 0;
    this.ts.resetForRamp();
    const now = this.sched.now();
    this.epoch = now;
    this.start = now;
    this.bwSampleTime = now;
    this.iopsSampleTime = now;
    this.ss.prevTime = now;
    latTargetReset(this);
  }

  /** Models `in_ramp_time()` (time.c). */
  inRampTime(): boolean {
    return this.o.rampTime !== 0 && !this.rampTimeOver;
  }

  /** Models `utime_since_now(&td->epoch)`: µs since the job started. */
  usSinceEpoch(): number {
    return Math.trunc((this.sched.now() - this.epoch) / 1000);
  }
}

/** Linux errno names for fio's `td_verror()` text. */
export function errnoName(err: number): string {
  const names: Readonly<Record<number, string>> = {
    1: 'Operation not permitted',
    2: 'No such file or directory',
    5: 'Input/output error',
    9: 'Bad file descriptor',
    11: 'Resource temporarily unavailable',
    12: 'Cannot allocate memory',
    14: 'Bad address',
    16: 'Device or resource busy',
    17: 'File exists',
    19: 'No such device',
    20: 'Not a directory',
    21: 'Is a directory',
    22: 'Invalid argument',
    24: 'Too many open files',
    25: 'Inappropriate ioctl for device',
    27: 'File too large',
    28: 'No space left on device',
    30: 'Read-only file system',
    84: 'Invalid or incomplete multibyte or wide character',
    95: 'Operation not supported',
  };
  return names[err] ?? `errno ${err}`;
}
