/**
 * fio as a whole (`fio.c` `main()`): parse the command line and job files, run the jobs on a machine, and
 * print fio's report plus stackemu's own section.
 * @packageDocumentation
 */
import type { Scheduler } from '@stackemu/core';
import { jobHeader, runThreads } from './backend.js';
import { FioError } from './fio-error.js';
import type { FioHost, FioSanitizerFinding } from './fio-host.js';
import { parseOptions, type FioInvocation, type ParseContext } from './init.js';
import { JsonObject, toJsonValue, type JsonValue } from './json.js';
import { fioOptions } from './options.js';
import { showRunStats, type JobReport } from './stat-output.js';
import type { LogFileWrite } from './io-log.js';
import type { ThreadData } from './thread-data.js';

/** The version fio's output names: stackemu prints fio 3.33's formats. */
export const FIO_VERSION = 'fio-3.33';

/** How to run fio. */
export interface FioRunOptions {
  /** Arguments after `fio`. */
  readonly argv: readonly string[];
  /** Environment for `${VAR}`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads a job file from the host. */
  readonly readFile: (path: string) => string | undefined;
  /** Report time, ms since the Unix epoch (fio's `timestamp` fields); default: the machine's virtual time. */
  readonly timeMs?: () => number;
  /** Rewrites a job's file name before use (device-path mapping); default identity. */
  readonly mapFilename?: (name: string) => string;
  /** Terminate every job at this virtual time after the start (ns), as fio does on SIGINT. */
  readonly stopAfterNs?: number;
  /** Called with the live jobs when they start (progress displays). */
  readonly onStart?: (jobs: readonly ThreadData[]) => void;
  /** Extra members of the `stackemu` JSON object (stack name, seed, wall figures), added after the run. */
  readonly extraReport?: (r: StackemuReport) => Readonly<Record<string, unknown>>;
}

/** stackemu's own results of a run (the JSON `stackemu` object). */
export interface StackemuReport {
  /** `/proc/vmstat` deltas over the run, kernel names. */
  readonly vmstat: Readonly<Record<string, number>>;
  /** Sanitizer findings raised during the run. */
  readonly sanitizer: {
    /** Findings raised during the run. */
    readonly count: number;
    /** The first 100 of them. */
    readonly findings: readonly FioSanitizerFinding[];
  };
  /** Virtual time and scheduler events of the run. */
  readonly sim: {
    /** Virtual ns the run took (layout included). */
    readonly virtual_ns: number;
    /** Scheduler events run. */
    readonly events: number;
  };
  /** Modelling limits met, verify failures and similar remarks. */
  readonly notes: readonly string[];
}

/** What {@link runFio} returns. */
export interface FioRunResult {
  /** Text fio prints on stdout (report in the chosen formats). */
  readonly stdout: string;
  /** Text fio prints on stderr while jobs run (`log_err()`: I/O errors, bad sizes), in every output format. */
  readonly stderr: string;
  /** `--output` file contents instead of stdout, if asked. */
  readonly outputFile:
    | {
        /** Host path. */
        readonly path: string;
        /** Contents. */
        readonly text: string;
      }
    | undefined;
  /** Exit status: 0, or 1 if any job failed. */
  readonly exitCode: number;
  /** The parsed invocation. */
  readonly invocation: FioInvocation;
  /** The finished jobs. */
  readonly jobs: readonly ThreadData[];
  /** stackemu's section. */
  readonly report: StackemuReport;
  /**
   * The log files the jobs wrote (`write_bw_log`, `write_lat_log`, `write_iops_log`, `write_hist_log`), in the
   * order fio writes them, with their full contents (a file fio appends to, without `per_job_logs`, starts
   * with what `readFile` returned for it). Paths are relative to fio's working directory on the host.
   */
  readonly logFiles: readonly FioLogFile[];
}

/** A log file of a run (see {@link FioRunResult.logFiles}). */
export interface FioLogFile {
  /** Host path, as fio names it (`<prefix>_bw.<n>.log`). */
  readonly path: string;
  /** Its whole text. */
  readonly text: string;
}

/**
 * Drives virtual time until `p` settles: runs the scheduler, letting awakened processes continue.
 * @returns what `p` resolves to
 * @throws FioError if the machine goes idle with `p` still pending (a deadlock in the stack), or what `p` throws
 */
export async function driveScheduler<T>(sched: Scheduler, p: Promise<T>): Promise<T> {
  const st: { settled: boolean; failed: boolean; value: T | undefined; error: unknown } = {
    settled: false,
    failed: false,
    value: undefined,
    error: undefined,
  };
  p.then(
    (v) => {
      st.settled = true;
      st.value = v;
    },
    (e: unknown) => {
      st.settled = true;
      st.failed = true;
      st.error = e;
    },
  );
  const settled = (): boolean => st.settled;
  let idleSpins = 0;
  while (!settled()) {
    // In chunks, so that periodic kernel work (the flusher) does not keep running once `p` settled.
    const r = await sched.run({ maxEvents: 4096 });
    if (settled()) break;
    if (r.reason === 'maxEvents') {
      idleSpins = 0;
      continue;
    }
    if (r.reason === 'idle' && r.events === 0) {
      idleSpins++;
      await new Promise<void>((res) => setImmediate(res));
      if (idleSpins > 1000 && !settled()) {
        throw new FioError(
          `fio: the machine went idle at ${sched.now()} ns with jobs still waiting (no pending events): a deadlock in the stack`,
        );
      }
    } else idleSpins = 0;
  }
  if (st.failed) throw st.error;
  return st.value as T;
}

/** Models `show_cmd_help()` (parse.c) for `--cmdhelp`. */
function cmdHelp(which: string): string {
  if (which === 'all') {
    return fioOptions
      .filter((o) => o.type !== 'deprecated')
      .map(
        (o) => `${o.name.padEnd(28)}: ${o.help}${o.unsupported !== undefined ? ' (not supported by stackemu)' : ''}\n`,
      )
      .join('');
  }
  const o = fioOptions.find((x) => x.name === which || x.alias === which);
  if (o === undefined) throw new FioError(`No such command: ${which}`);
  return `${o.name.padEnd(20)}: ${o.help}\n${o.alias !== undefined ? `${'alias'.padStart(20)}: ${o.alias}\n` : ''}${'type'.padStart(20)}: ${o.type}\n${'default'.padStart(20)}: ${o.def ?? 'no default'}\n${o.unsupported !== undefined ? `${'stackemu'.padStart(20)}: not supported: ${o.unsupported}\n` : ''}`;
}

/**
 * Runs fio on a machine: parses `argv` (options and job files) exactly as fio does, lays files out, runs the
 * jobs as processes in virtual time, and renders fio's report (normal, JSON or JSON+) with stackemu's
 * section: vmstat deltas, sanitizer findings, virtual time.
 * @param host - the machine
 * @param opts - arguments and host access
 * @returns the report and exit status
 * @throws FioError for bad options, unsupported options and unreadable job files (before anything runs)
 */
export async function runFio(host: FioHost, opts: FioRunOptions): Promise<FioRunResult> {
  const ctx: ParseContext = { env: opts.env ?? {}, keywords: host.keywords, readFile: opts.readFile };
  const inv = parseOptions(opts.argv, ctx);
  const normal = inv.cmd.outputFormat.has('normal');
  const out: string[] = [];
  // What fio answers without running anything (version, help, --parse-only).
  const answer = (stdout: string): FioRunResult => ({
    stdout,
    stderr: '',
    outputFile: undefined,
    exitCode: 0,
    invocation: inv,
    jobs: [],
    report: { vmstat: {}, sanitizer: { count: 0, findings: [] }, sim: { virtual_ns: 0, events: 0 }, notes: [] },
    logFiles: [],
  });
  if (inv.cmd.version) return answer(`${FIO_VERSION}\n`);
  if (inv.cmd.cmdhelp !== undefined) return answer(cmdHelp(inv.cmd.cmdhelp));
  if (inv.cmd.help) return answer(`${FIO_VERSION} (stackemu)\nfio [options] [job options] <job file(s)>\n`);
  const map = opts.mapFilename;
  const jobs = map === undefined ? inv.jobs.jobs : inv.jobs.jobs.map((j) => ({ ...j, files: j.files.map(map) }));
  if (jobs.length === 0) throw new FioError('fio: no jobs defined in the command line or job files');
  if (normal) for (const j of jobs) out.push(jobHeader(j, j.o.ioengine));
  if (inv.cmd.parseOnly) return answer('');
  if (normal) out.push(`${FIO_VERSION}\n`);
  const sched = host.scheduler;
  const vm0 = host.vmstat();
  const san0 = host.sanitizerFindings().length;
  const t0 = sched.now();
  const e0 = sched.executed;
  let t1 = t0;
  let e1 = e0;
  const logs = new Map<string, string>();
  const errOut: string[] = [];
  const writeLog = (f: LogFileWrite): void => {
    // flush_log(): "a" without per_job_logs, "w" with
    const before = f.append ? (logs.get(f.path) ?? opts.readFile(f.path) ?? '') : '';
    logs.delete(f.path);
    logs.set(f.path, before + f.text);
  };
  const tds = await driveScheduler(
    sched,
    runThreads(
      host,
      { jobs, globalOptions: inv.jobs.globalOptions },
      {
        log: (l) => (normal ? out.push(l) : undefined),
        logErr: (l) => errOut.push(l),
        started: (t) => opts.onStart?.(t),
        writeLog,
        ...(opts.stopAfterNs !== undefined ? { stopAtNs: opts.stopAfterNs } : {}),
      },
    ).then((v) => {
      t1 = sched.now();
      e1 = sched.executed;
      return v;
    }),
  );
  const vm1 = host.vmstat();
  const vmstat: Record<string, number> = {};
  for (const k of Object.keys(vm1)) vmstat[k] = (vm1[k] ?? 0) - (vm0[k] ?? 0);
  const findings = host.sanitizerFindings().slice(san0);
  const notes = [...new Set(tds.flatMap((t) => t.notes))];
  for (const t of tds)
    for (const f of t.verifyFailures.slice(0, 8)) notes.push(`verify: ${t.o.name}: ${f.what} at offset ${f.offset}`);
  const report: StackemuReport = {
    vmstat,
    sanitizer: { count: findings.length, findings: findings.slice(0, 100) },
    sim: { virtual_ns: t1 - t0, events: e1 - e0 },
    notes,
  };
  const reports: JobReport[] = tds.map((td) => ({
    name: td.o.name,
    description: td.o.description,
    groupid: td.job.groupid,
    groupReporting: td.o.groupReporting,
    stats: td.o.stats,
    ts: td.ts,
    pid: td.proc?.pid ?? 0,
    error: td.error,
    verror: td.verror,
    jobOptions: td.job.jobOptions,
    kbBase: td.o.kbBase,
    sigFigs: td.o.sigFigs,
    percentiles: { clat: td.o.clatPercentiles, lat: td.o.latPercentiles, slat: td.o.slatPercentiles },
    percentileList: td.o.percentileList,
    percentilePrecision: td.o.percentilePrecision,
    latencyDepth: td.latencyQd,
    latencyTarget: td.o.latencyTarget,
    latencyPercentile: td.o.latencyPercentile,
    latencyWindow: td.o.latencyWindow,
    ...(td.ss.dur !== 0 ? { ss: td.ss } : {}),
    continueOnError: td.o.continueOnError !== 'none',
  }));
  const timeMs = opts.timeMs?.() ?? Math.trunc(sched.now() / 1e6);
  const stackemu = new JsonObject();
  const extra = opts.extraReport?.(report) ?? {};
  for (const [k, v] of Object.entries(extra)) if (k !== 'wall') stackemu.add(k, toJsonValue(v));
  stackemu.add('vmstat', toJsonValue(report.vmstat));
  stackemu.add('sanitizer', toJsonValue(report.sanitizer));
  stackemu.add('sim', toJsonValue(report.sim));
  if (report.notes.length > 0) stackemu.add('notes', toJsonValue(report.notes));
  if (extra['wall'] !== undefined) stackemu.add('wall', toJsonValue(extra['wall']));
  const extraMembers: (readonly [string, JsonValue])[] = [['stackemu', stackemu]];
  out.push(
    showRunStats(reports, {
      formats: inv.cmd.outputFormat,
      globalOptions: inv.jobs.globalOptions,
      version: FIO_VERSION,
      timeMs,
      extra: extraMembers,
    }),
  );
  if (normal) out.push(stackemuNormal(report, extra));
  const text = out.join('');
  const exitCode = tds.some((t) => t.error !== 0) ? 1 : 0;
  const logFiles = [...logs].map(([path, t]) => ({ path, text: t }));
  if (inv.cmd.output !== undefined) {
    return {
      stdout: '',
      stderr: errOut.join(''),
      outputFile: { path: inv.cmd.output, text },
      exitCode,
      invocation: inv,
      jobs: tds,
      report,
      logFiles,
    };
  }
  return {
    stdout: text,
    stderr: errOut.join(''),
    outputFile: undefined,
    exitCode,
    invocation: inv,
    jobs: tds,
    report,
    logFiles,
  };
}

/** stackemu's section of the normal output. */
function stackemuNormal(r: StackemuReport, extra: Readonly<Record<string, unknown>>): string {
  const lines = ['\nstackemu (emulated stack):\n'];
  const pins = ['nr_foll_pin_acquired', 'nr_foll_pin_released'].map((k) => `${k}=${r.vmstat[k] ?? 0}`).join(', ');
  lines.push(`  vmstat       : ${pins}\n`);
  const other = Object.entries(r.vmstat).filter(([k, v]) => v !== 0 && !k.startsWith('nr_foll_pin'));
  if (other.length > 0) lines.push(`  vmstat deltas: ${other.map(([k, v]) => `${k}=${v}`).join(', ')}\n`);
  const kinds = new Map<string, number>();
  for (const f of r.sanitizer.findings) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  lines.push(
    `  sanitizer    : ${r.sanitizer.count} finding${r.sanitizer.count === 1 ? '' : 's'}${kinds.size > 0 ? ` (${[...kinds].map(([k, n]) => `${k}=${n}`).join(', ')})` : ''}\n`,
  );
  lines.push(`  sim          : virtual=${(r.sim.virtual_ns / 1e6).toFixed(3)}ms, events=${r.sim.events}\n`);
  const wall = extra['wall'] as { readonly seconds?: number; readonly ios_per_sec?: number } | undefined;
  if (wall?.seconds !== undefined)
    lines.push(
      `  wall         : ${wall.seconds.toFixed(3)}s${wall.ios_per_sec !== undefined ? `, ${Math.round(wall.ios_per_sec)} simulated I/Os per wall second` : ''}\n`,
    );
  for (const n of r.notes) lines.push(`  note         : ${n}\n`);
  return lines.join('');
}
