/**
 * Building the job list from job files and command-line options, as fio's `init.c` does it
 * (`parse_jobs_ini()`, `parse_cmd_line()`, `add_job()`, `fixup_options()`).
 * @packageDocumentation
 */
import { evaluateArithmeticExpression } from './expression.js';
import { FioError, UnsupportedOptionError } from './fio-error.js';
import { findOption, handleOption, type FioOption } from './options.js';
import { stripBlankEnd } from './parse.js';
import { FIO_SS_RAMP_OVER } from './steadystate.js';
import {
  cloneThreadOptions,
  DDIR_READ,
  DDIR_TRIM,
  DDIR_WRITE,
  defaultThreadOptions,
  tdMinBs,
  tdRandom,
  tdRead,
  type ThreadOptions,
} from './thread-options.js';

/** The host facts fio substitutes for `$pagesize`, `$mb_memory` and `$ncpus` (`fio_keywords[]`, options.c). */
export interface FioKeywords {
  /** `$pagesize`. */
  readonly pagesize: number;
  /** `$mb_memory`: MiB of memory online. */
  readonly mbMemory: number;
  /** `$ncpus`: CPUs online. */
  readonly ncpus: number;
}

/** What the parser needs from its surroundings. */
export interface ParseContext {
  /** Environment for `${VAR}` in job files. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Values of the reserved keywords. */
  readonly keywords: FioKeywords;
  /**
   * Reads a job file (or an `include`d file) from the host.
   * @returns its text, or undefined if it does not exist
   */
  readFile(path: string): string | undefined;
}

/** One `key[=value]` line or `--key=value` argument, as written. */
export interface RawOption {
  /** The key as written (may be an alias). */
  readonly key: string;
  /** The value, or undefined for a bare key. */
  readonly value: string | undefined;
}

/** A job after `add_job()`: one entry per job and per `numjobs` clone, in fio's thread order. */
export interface FioJob {
  /** Job name (the section name or `--name`). */
  readonly name: string;
  /** Its options, fixed up. */
  readonly o: ThreadOptions;
  /** Reporting group (`stonewall`, `new_group`). */
  readonly groupid: number;
  /** Clone index (`td->subjob_number`): 0 for the job itself, then numjobs-1 … 1 as fio numbers them. */
  readonly subjobNumber: number;
  /** 1-based thread number, in start order. */
  readonly threadNumber: number;
  /** The job's files, after `directory` and `filename_format`. */
  readonly files: readonly string[];
  /** The options the job's own section set, as written (the JSON "job options"). */
  readonly jobOptions: readonly (readonly [string, string])[];
}

/** The result of parsing: jobs plus the `[global]` (or pre-`--name`) options, for the JSON "global options". */
export interface FioJobList {
  /** Jobs in start order. */
  readonly jobs: readonly FioJob[];
  /** Options of global sections, as written. */
  readonly globalOptions: readonly (readonly [string, string])[];
}

/** Output formats of `--output-format`. */
export type FioOutputFormat = 'normal' | 'json' | 'json+';

/** Command-line (non-job) options of fio that stackemu honours (`l_opts[]`, init.c). */
export interface FioCommandOptions {
  /** `--output-format`: any of `normal`, `json`, `json+` (comma separated). */
  readonly outputFormat: ReadonlySet<FioOutputFormat>;
  /** `--output`: write the report to this host file. */
  readonly output: string | undefined;
  /** `--section`: run only these sections of the job files. */
  readonly sections: readonly string[];
  /** `--parse-only`. */
  readonly parseOnly: boolean;
  /** `--readonly`: refuse writes and trims. */
  readonly readonly: boolean;
  /** `--version`. */
  readonly version: boolean;
  /** `--help`. */
  readonly help: boolean;
  /** `--cmdhelp[=option]`: `'all'` or an option name. */
  readonly cmdhelp: string | undefined;
}

/** Everything one fio invocation asks for. */
export interface FioInvocation {
  /** Non-job options. */
  readonly cmd: FioCommandOptions;
  /** The jobs. */
  readonly jobs: FioJobList;
}

const NOT_IN_STACKEMU: Readonly<Record<string, string>> = {
  'latency-log': 'it is deprecated in fio 3.33 (use the per-job write_lat_log option)',
  'bandwidth-log': 'aggregate bandwidth logs (agg-read_bw.log…) are not modelled (per-job write_bw_log is)',
  minimal: 'terse output is not modelled',
  'append-terse': 'terse output is not modelled',
  'terse-version': 'terse output is not modelled',
  debug: 'fio debug tracing is not modelled (use --trace)',
  'inflate-log': 'compressed log files are not modelled',
  profile: 'fio profiles are not modelled',
  server: 'client/server mode is not modelled',
  'server-internal': 'client/server mode is not modelled',
  daemonize: 'client/server mode is not modelled',
  client: 'client/server mode is not modelled',
  'remote-config': 'client/server mode is not modelled',
  'cpuclock-test': 'host self-tests are not modelled',
  crctest: 'host self-tests are not modelled',
  memcpytest: 'host self-tests are not modelled',
  'idle-prof': 'idleness profiling is not modelled',
  'status-interval': 'periodic status output is not modelled',
  'trigger-file': 'triggers are not modelled',
  trigger: 'triggers are not modelled',
  'trigger-timeout': 'triggers are not modelled',
  'trigger-remote': 'triggers are not modelled',
  aux_path: 'aux files are not modelled',
};

const ACCEPTED_NOOP = new Set([
  'eta',
  'eta-interval',
  'eta-newline',
  'alloc-size',
  'warnings-fatal',
  'max-jobs',
  'showcmd',
  'enghelp',
]);

/**
 * Models `parse_options()` / `parse_cmd_line()` (init.c): fio's command line. `--key=value` and `--key value`
 * (for options that take a value) are job options when fio's option table knows the key, else command
 * options (`--output-format`, `--section`…); other arguments are job files, parsed after the command line
 * with a stonewall between files.
 * @param argv - the arguments after `fio`
 * @param ctx - environment, keywords and host file reader
 * @returns command options and jobs
 * @throws FioError for an unknown or unsupported option, a missing job file, or a bad value
 */
export function parseOptions(argv: readonly string[], ctx: ParseContext): FioInvocation {
  const formats = new Set<FioOutputFormat>();
  let output: string | undefined;
  const sections: string[] = [];
  let parseOnly = false;
  let readonly = false;
  let version = false;
  let help = false;
  let cmdhelp: string | undefined;
  const jobArgs: RawOption[] = [];
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-') {
      files.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const key = eq >= 0 ? body.slice(0, eq) : body;
    let value = eq >= 0 ? body.slice(eq + 1) : undefined;
    const takeValue = (): string => {
      if (value !== undefined) return value;
      const next = argv[i + 1];
      if (next === undefined) throw new FioError(`fio: option '--${key}' requires an argument`, key);
      i++;
      value = next;
      return next;
    };
    const jobOpt = findOption(key);
    if (jobOpt !== undefined) {
      if (
        value === undefined &&
        jobOpt.type !== 'str_set' &&
        jobOpt.type !== 'deprecated' &&
        jobOpt.type !== 'soft_deprecated'
      )
        takeValue();
      jobArgs.push({ key, value });
      continue;
    }
    switch (key) {
      case 'output-format':
        for (const f of takeValue().split(',')) {
          if (f === 'normal' || f === 'json' || f === 'json+') formats.add(f);
          else if (f === 'terse')
            throw new FioError(
              'fio: --output-format=terse is not supported by stackemu (normal, json and json+ are)',
              key,
            );
          else throw new FioError(`fio: unknown output format '${f}'`, key);
        }
        break;
      case 'output':
        output = takeValue();
        break;
      case 'section':
        sections.push(...takeValue().split(','));
        break;
      case 'parse-only':
        parseOnly = true;
        break;
      case 'readonly':
        readonly = true;
        break;
      case 'version':
        version = true;
        break;
      case 'help':
      case 'h':
        help = true;
        break;
      case 'cmdhelp':
        cmdhelp = value ?? 'all';
        break;
      default: {
        const why = NOT_IN_STACKEMU[key];
        if (why !== undefined) throw new FioError(`fio: option '--${key}' is not supported by stackemu: ${why}`, key);
        if (ACCEPTED_NOOP.has(key)) {
          if (
            (key === 'eta' ||
              key === 'eta-interval' ||
              key === 'eta-newline' ||
              key === 'alloc-size' ||
              key === 'max-jobs') &&
            value === undefined
          )
            takeValue();
          break;
        }
        throw new FioError(`fio: unrecognized option '${arg}'`, key);
      }
    }
  }
  if (formats.size === 0) formats.add('normal');
  const b = new JobListBuilder(ctx);
  b.addCommandLine(jobArgs);
  files.forEach((f, idx) => {
    const text = ctx.readFile(f);
    if (text === undefined) throw new FioError(`fio: unable to open '${f}' job file`);
    for (const s of parseJobsIni(f, text, ctx, idx > 0)) {
      if (sections.length > 0 && !s.global && !sections.includes(s.name)) continue;
      b.addSection(s);
    }
  });
  const jobs = b.result();
  if (readonly) {
    const bad = jobs.jobs.find((j) => (j.o.tdDdir & (2 | 8)) !== 0);
    if (bad) throw new FioError('fio: trim and write operations are not allowed with the --readonly parameter.');
  }
  return { cmd: { outputFormat: formats, output, sections, parseOnly, readonly, version, help, cmdhelp }, jobs };
}

/** One `[section]` of a job file with its option lines. */
export interface JobSection {
  /** The name between the brackets. */
  readonly name: string;
  /** A `[global…]` section. */
  readonly global: boolean;
  /** Its option lines. */
  readonly opts: RawOption[];
  /** First job of a second or later job file: fio puts a stonewall before it. */
  readonly stonewall: boolean;
}

/** Models `fio_option_dup_subs()` (options.c): `${VAR}` → the environment value (empty if unset). */
export function fioOptionDupSubs(opt: string, env: Readonly<Record<string, string | undefined>>): string {
  return opt.replace(/\$\{([^}]+)\}/g, (_m, name: string) => env[name] ?? '');
}

/**
 * Models `fio_keyword_replace()` (options.c): `$pagesize`, `$mb_memory`, `$ncpus`, then simple arithmetic on
 * the value (fio pipes it through `bc`, integer arithmetic).
 * @returns the `key=value` text with keywords replaced and arithmetic done
 */
export function fioKeywordReplace(opt: string, kw: FioKeywords): string {
  let s = opt;
  let calc = false;
  const words: [string, number][] = [
    ['$pagesize', kw.pagesize],
    ['$mb_memory', kw.mbMemory],
    ['$ncpus', kw.ncpus],
  ];
  for (const [w, v] of words) {
    if (s.includes(w)) {
      s = s.split(w).join(String(v));
      calc = true;
    }
  }
  if (!calc || !/[+\-*/]/.test(s) || s.includes("'")) return s;
  const eq = s.indexOf('=');
  if (eq < 0) return s;
  const r = evaluateArithmeticExpression(`(${s.slice(eq + 1)})`, 1, false);
  if (r === undefined) throw new FioError(`fio: cannot evaluate '${s.slice(eq + 1)}'`);
  return `${s.slice(0, eq + 1)}${r.ival}`;
}

function splitKeyValue(line: string): RawOption {
  const eq = line.indexOf('=');
  if (eq < 0) return { key: line.trim(), value: undefined };
  return { key: stripBlankEnd(line.slice(0, eq)).trim(), value: line.slice(eq + 1).trim() };
}

/**
 * Models `__parse_jobs_ini()` (init.c): the sections of a job file. Lines are stripped of blanks and of
 * `;`/`#` comments (anywhere on the line, as fio's `strip_blank_end()` does); `include FILE` pulls in
 * option lines (relative to the including file when not found as given); a line outside a section is an
 * error.
 * @param file - path of the job file (for includes and messages)
 * @param text - its contents
 * @param ctx - environment, keywords, file reader
 * @param stonewall - set `stonewall` on the first job (fio separates job files by a stonewall)
 * @returns the sections in order
 * @throws FioError
 */
export function parseJobsIni(file: string, text: string, ctx: ParseContext, stonewall: boolean): JobSection[] {
  const out: JobSection[] = [];
  let cur: JobSection | undefined;
  let wall = stonewall;
  const readLines = (fname: string, body: string, nested: boolean, depth: number): void => {
    if (depth > 16) throw new FioError(`fio: include nesting too deep at ${fname}`);
    for (const raw of body.split('\n')) {
      const p = stripBlankEnd(raw.replace(/^\s+/, ''));
      if (p.length === 0) continue;
      if (p.startsWith('[')) {
        if (nested) throw new FioError(`fio: no new sections in included files (${fname})`);
        // sscanf(p, "[%255[^\n]]", name), then the last character dropped: fio does not check that it is ']'
        // ("[job" names a section "jo"), and "[" alone is no section at all.
        if (p.length < 2) throw new FioError(`fio: option <${p}> outside of [] job section`);
        const name = p.slice(1, 256).slice(0, -1);
        const global = name.startsWith('global');
        cur = { name, global, opts: [], stonewall: !global && wall };
        if (!global) wall = false;
        out.push(cur);
        continue;
      }
      if (cur === undefined) throw new FioError(`fio: option <${p}> outside of [] job section`);
      if (p.startsWith('include')) {
        const name = p.slice('include'.length + 1).trim();
        let body2 = ctx.readFile(name);
        let resolved = name;
        const slash = fname.lastIndexOf('/');
        if (body2 === undefined && slash >= 0) {
          resolved = fname.slice(0, slash + 1) + name;
          body2 = ctx.readFile(resolved);
        }
        if (body2 === undefined) throw new FioError(`fio: unable to open '${resolved}' include file`);
        readLines(resolved, body2, true, depth + 1);
        continue;
      }
      cur.opts.push(splitKeyValue(p));
    }
  };
  readLines(file, text, false, 0);
  return out;
}

/** Parser state across job files and the command line: `def_thread`, group ids, thread numbers. */
export class JobListBuilder {
  private readonly global: ThreadOptions = defaultThreadOptions();
  private readonly globalOpts: [string, string][] = [];
  private readonly jobs: FioJob[] = [];
  private groupid = 0;
  private prevGroupJobs = 0;

  constructor(private readonly ctx: ParseContext) {}

  /**
   * Models `fio_options_parse()` for a job-file section: `${VAR}` and keyword substitution, options sorted by
   * priority (`kb_base` first, `filename` last), engine options after the engine is known.
   */
  addSection(s: JobSection): void {
    const o = s.global ? this.global : cloneThreadOptions(this.global);
    if (!s.global) o.setOptions.clear();
    const recorded: [string, string][] = [];
    const subst = s.opts.map((r): RawOption => {
      if (r.value === undefined) return r;
      const text = fioKeywordReplace(fioOptionDupSubs(`${r.key}=${r.value}`, this.ctx.env), this.ctx.keywords);
      const eq = text.indexOf('=');
      return { key: text.slice(0, eq), value: text.slice(eq + 1) };
    });
    const known = subst.map((r, i) => ({ r, orig: s.opts[i] as RawOption, opt: findOption(r.key) }));
    const ordered = known
      .map((k, i) => ({ ...k, i }))
      .sort((a, b) => (b.opt?.prio ?? 0) - (a.opt?.prio ?? 0) || a.i - b.i);
    // The engine first, so that its options are known (fio retries unknown options after ioengine_load()).
    const engineFirst = [
      ...ordered.filter((k) => k.opt?.name === 'ioengine'),
      ...ordered.filter((k) => k.opt?.name !== 'ioengine'),
    ];
    for (const k of engineFirst) {
      if (k.opt === undefined) {
        throw new FioError(
          `fio: bad option <${k.r.key}${k.r.value === undefined ? '' : `=${k.r.value}`}> in section [${s.name}]`,
          k.r.key,
        );
      }
      this.apply(o, k.opt, k.r.value, `section [${s.name}]`);
      if (k.orig.value !== undefined) recorded.push([k.opt.name, k.orig.value]);
    }
    // "job options" keep fio's order: sorted by priority, as parsed.
    const dump = ordered
      .filter((k) => k.orig.value !== undefined && k.opt !== undefined)
      .map((k) => [(k.opt as FioOption).name, k.orig.value as string] as [string, string]);
    if (s.global) {
      this.globalOpts.push(...dump);
      return;
    }
    if (s.stonewall) o.stonewall = true;
    this.addJob(o, s.name, dump);
  }

  private apply(o: ThreadOptions, opt: FioOption, value: string | undefined, where: string): void {
    if (opt.engines !== undefined && !opt.engines.includes(o.ioengine)) {
      throw new FioError(
        `fio: option '${opt.name}' (${where}) belongs to ioengine ${opt.engines.join('/')}, not ${o.ioengine}`,
        opt.name,
      );
    }
    handleOption(o, opt, value);
  }

  /**
   * Models `parse_cmd_line()` for job options: `--name` starts a job (`--name=global` or options before the
   * first `--name` set global options); options apply in the order given (no priority sort).
   * @param args - `key`/`value` pairs of job options, in order
   */
  addCommandLine(args: readonly RawOption[]): void {
    let o: ThreadOptions | undefined;
    let name = '';
    let dump: [string, string][] = [];
    let inGlobal = true;
    const finish = (): void => {
      if (o !== undefined && !inGlobal) this.addJob(o, name === '' ? 'fio' : name, dump);
      o = undefined;
      dump = [];
    };
    for (const a of args) {
      const opt = findOption(a.key);
      if (opt === undefined)
        throw new FioError(`fio: unrecognized option '--${a.key}${a.value === undefined ? '' : `=${a.value}`}'`, a.key);
      if (opt.name === 'name') {
        finish();
        inGlobal = a.value === undefined || a.value.startsWith('global');
        name = a.value ?? '';
        if (!inGlobal) {
          o = cloneThreadOptions(this.global);
          o.setOptions.clear();
        }
      }
      const target = inGlobal ? this.global : (o as ThreadOptions);
      this.apply(target, opt, a.value, `--${a.key}`);
      if (a.value !== undefined) (inGlobal ? this.globalOpts : dump).push([opt.name, a.value]);
    }
    finish();
  }

  /**
   * Models `add_job()` (init.c): fixes up the options, generates file names, assigns the group, and adds
   * `numjobs - 1` clones (numbered numjobs-1 down to 1, as fio does).
   */
  private addJob(o: ThreadOptions, jobname: string, dump: [string, string][]): void {
    if (o.name === '') o.name = jobname;
    fixupOptions(o);
    if ((o.stonewall || o.newGroup) && this.prevGroupJobs > 0) {
      this.prevGroupJobs = 0;
      this.groupid++;
    }
    const groupid = this.groupid;
    this.prevGroupJobs++;
    // td_steadystate_init(): steady-state settings must match within a reporting group
    const ss = ssSettings(o);
    for (const j of this.jobs) {
      if (j.groupid !== groupid) continue;
      const other = ssSettings(j.o);
      if (other.some((v, i) => v !== ss[i])) {
        throw new FioError(
          `fio: job rejected (${jobname}): steadystate options must be consistent within reporting groups`,
          'steadystate',
        );
      }
    }
    const numjobs = o.numjobs;
    const make = (sub: number, opts: ThreadOptions): void => {
      this.jobs.push({
        name: jobname,
        o: opts,
        groupid,
        subjobNumber: sub,
        threadNumber: this.jobs.length + 1,
        files: jobFiles(opts, jobname, sub),
        jobOptions: dump,
      });
    };
    make(0, o);
    for (let n = numjobs - 1; n > 0; n--) {
      const c = cloneThreadOptions(o);
      c.numjobs = 1;
      c.stonewall = false;
      c.newGroup = false;
      // A clone is seeded from the fixed-up parent (get_new_job() copies it after fixup_options()).
      c.randRepeatSeeded = c.randRepeatable;
      this.prevGroupJobs++;
      make(n, c);
    }
  }

  /** The jobs added so far. */
  result(): FioJobList {
    return { jobs: [...this.jobs], globalOptions: [...this.globalOpts] };
  }
}

/** Models `get_next_str()` (options.c): splits a `:`-separated list, `\:` escaping a colon. */
export function splitNames(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    if (c === '\\' && s.charAt(i + 1) === ':') {
      cur += ':';
      i++;
    } else if (c === ':') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.filter((x) => x.length > 0);
}

/** Models `make_filename()` (init.c): `$jobname`, `$jobnum`, `$filenum`, `$clientuid` in filename_format. */
function makeFilename(o: ThreadOptions, jobname: string, jobnum: number, filenum: number): string {
  if (o.filenameFormat === '') return `${jobname}.${jobnum}.${filenum}`;
  return o.filenameFormat
    .replace(/\$jobname/gi, jobname)
    .replace(/\$jobnum/gi, String(jobnum))
    .replace(/\$filenum/gi, String(filenum))
    .replace(/\$clientuid/gi, '0');
}

/** Models `add_file()` + `set_name_idx()`: the job's file names, with the directory (indexed by clone) in front. */
function jobFiles(o: ThreadOptions, jobname: string, sub: number): string[] {
  const dirs = splitNames(o.directory);
  const dir = dirs.length > 0 ? `${dirs[sub % dirs.length] as string}/` : '';
  if (o.filename !== '') {
    const names = splitNames(o.filename);
    o.nrFiles = names.length;
    return names.map((n) => dir + n);
  }
  const out: string[] = [];
  for (let i = 0; i < o.nrFiles; i++) out.push(dir + makeFilename(o, jobname, sub, i));
  return out;
}

/**
 * Models `fixup_options()` (init.c): derived values and the checks fio makes before a job is accepted.
 * @throws FioError for what fio rejects (`size too small`, `time_based requires a runtime`…)
 */
export function fixupOptions(o: ThreadOptions): void {
  // pvsync2's hipri is RWF_HIPRI, which the stack models (block clears REQ_POLLED on a queue without poll
  // queues, as the default NVMe has); io_uring's is an IORING_SETUP_IOPOLL ring, which it does not.
  if (o.engine.hipri && o.ioengine === 'io_uring') {
    throw new UnsupportedOptionError('hipri', 'io_uring polled rings (IORING_SETUP_IOPOLL) are not modelled');
  }
  if (tdRead(o)) o.overwrite = true;
  for (const d of [DDIR_READ, DDIR_WRITE, DDIR_TRIM] as const) {
    if (o.minBs[d] === 0) o.minBs[d] = o.bs[d];
    if (o.maxBs[d] === 0) o.maxBs[d] = o.bs[d];
  }
  for (const d of [DDIR_READ, DDIR_WRITE, DDIR_TRIM] as const) {
    if (o.ba[d] === 0 || !tdRandom(o)) o.ba[d] = o.minBs[d];
  }
  if ((o.ba[0] !== o.minBs[0] || o.ba[1] !== o.minBs[1] || o.ba[2] !== o.minBs[2]) && !o.norandommap) {
    // "fio: Any use of blockalign= turns off randommap"
    o.norandommap = true;
  }
  if (o.fileSizeHigh === undefined || o.fileSizeHigh === 0) o.fileSizeHigh = o.fileSizeLow;
  if (o.thinktimeSpin > o.thinktime) o.thinktimeSpin = o.thinktime;
  if (o.iodepthLow > o.iodepth || o.iodepthLow === 0) o.iodepthLow = o.iodepth;
  if (o.iodepthBatch > o.iodepth || o.iodepthBatch === 0) o.iodepthBatch = o.iodepth;
  if (o.iodepthBatchCompleteMin > o.iodepthBatchCompleteMax) o.iodepthBatchCompleteMax = o.iodepthBatchCompleteMin;
  if (o.openFiles > o.nrFiles || o.openFiles === 0) o.openFiles = o.nrFiles;
  const sum = (a: readonly number[]): number => (a[0] as number) + (a[1] as number) + (a[2] as number);
  if ((sum(o.rate) !== 0 && sum(o.rateIops) !== 0) || (sum(o.rateMin) !== 0 && sum(o.rateIopsMin) !== 0)) {
    throw new FioError('fio: rate and rate_iops are mutually exclusive', 'rate');
  }
  for (const d of [DDIR_READ, DDIR_WRITE, DDIR_TRIM] as const) {
    if ((o.rate[d] !== 0 && o.rate[d] < o.rateMin[d]) || (o.rateIops[d] !== 0 && o.rateIops[d] < o.rateIopsMin[d])) {
      throw new FioError(`fio: minimum rate exceeds rate, ddir ${d}`, 'rate_min');
    }
  }
  if (o.timeout === 0 && o.timeBased) {
    // fio logs "time_based requires a runtime/timeout setting" and clears it (fatal only with warnings-fatal).
    o.timeBased = false;
  }
  if (o.fillDevice && o.size === undefined) o.size = { bytes: Number.MAX_SAFE_INTEGER };
  if (o.verify !== 'none') {
    if (!o.setOptions.has('refill_buffers')) o.refillBuffers = true;
    if (o.maxBs[DDIR_WRITE] !== o.minBs[DDIR_WRITE] && o.verifyInterval === 0) o.verifyInterval = o.minBs[DDIR_WRITE];
    if (o.verifyInterval > o.minBs[DDIR_WRITE]) o.verifyInterval = o.minBs[DDIR_WRITE];
    else if (tdRead(o) && o.verifyInterval > o.minBs[DDIR_READ]) o.verifyInterval = o.minBs[DDIR_READ];
    if (
      o.verifyInterval === 0 ||
      o.minBs[DDIR_WRITE] % o.verifyInterval !== 0 ||
      o.maxBs[DDIR_WRITE] % o.verifyInterval !== 0
    ) {
      o.verifyInterval = gcd(o.minBs[DDIR_WRITE], o.maxBs[DDIR_WRITE]);
    }
  }
  if (o.randomDistribution !== 'random') o.norandommap = true;
  // kept in ns internally, as fio does
  for (const d of [DDIR_READ, DDIR_WRITE, DDIR_TRIM] as const) o.maxLatency[d] *= 1000;
  o.latencyTarget *= 1000;
  if (o.size !== undefined && 'bytes' in o.size && o.size.bytes !== 0 && o.size.bytes < tdMinBs(o)) {
    throw new FioError(
      `fio: size too small, must not be less than minimum block size: ${o.size.bytes} < ${tdMinBs(o)}`,
      'size',
    );
  }
  // add_job() ran setup_random_seeds() before this: it saw randrepeat as the job gave it.
  o.randRepeatSeeded = o.randRepeatable;
  if (o.randSeedSet) o.randRepeatable = false;
}

/** What `td_steadystate_init()` compares between the jobs of a group: duration, limit, ramp and state. */
function ssSettings(o: ThreadOptions): readonly number[] {
  if (o.ssDur === 0) return [0, 0, 0, 0];
  const state = o.ssRampTime === 0 ? o.ssState | FIO_SS_RAMP_OVER : o.ssState;
  return [Math.trunc(o.ssDur / 1_000_000), o.ssLimit, o.ssRampTime, state];
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}
