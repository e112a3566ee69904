/**
 * The option table, as fio's `fio_options[]` (options.c) and the engines' option tables declare it: names,
 * aliases, types, defaults, and how each value is parsed into {@link ThreadOptions}. Every fio option is
 * listed; the ones stackemu does not model carry the reason, so using one is a clear error, never a silent
 * no-op.
 * @packageDocumentation
 */
import { FioError, UnsupportedOptionError } from './fio-error.js';
import {
  checkInt,
  checkStrBytes,
  checkStrTime,
  stripBlankEnd,
  strToDecimal,
  strToFloat,
  type Percentage,
} from './parse.js';
import { FIO_SS_BW, FIO_SS_BW_SLOPE, FIO_SS_IOPS, FIO_SS_IOPS_SLOPE, FIO_SS_PCT } from './steadystate.js';
import { parsePattern } from './pattern.js';
import {
  DDIR_READ,
  DDIR_TRIM,
  DDIR_WRITE,
  TD_DDIR_RAND,
  type BsSplit,
  type DataDir,
  type ThreadOptions,
} from './thread-options.js';

/** Models `enum fio_opt_type` (parse.h): how an option's value is read. */
export type FioOptType =
  | 'str'
  | 'str_ull'
  | 'str_multi'
  | 'str_val'
  | 'str_val_time'
  | 'str_store'
  | 'range'
  | 'int'
  | 'ull'
  | 'bool'
  | 'float_list'
  | 'str_set'
  | 'str_val_zone'
  | 'deprecated'
  | 'soft_deprecated';

/** Where one comma-separated element of a multi-value option falls (`__handle_option()` arguments). */
export interface ValuePosition {
  /** First element. */
  readonly first: boolean;
  /** More elements follow. */
  readonly more: boolean;
  /** Index of this element (0 = read, 1 = write, 2 = trim for per-direction options). */
  readonly curr: number;
}

/**
 * Models `struct fio_option` (parse.h): one option of the table.
 */
export interface FioOption {
  /** Canonical name (`rw`). */
  readonly name: string;
  /** Alias (`readwrite`). */
  readonly alias?: string;
  /** Value type. */
  readonly type: FioOptType;
  /** Default, as text (for `--cmdhelp`). */
  readonly def?: string;
  /** One line of help. */
  readonly help: string;
  /** Job-file parse priority: higher first (`kb_base` 1, `filename` -1). */
  readonly prio?: number;
  /** Engine the option belongs to (engine options are valid only with that engine). */
  readonly engines?: readonly string[];
  /** Why stackemu does not model it; such an option fails with {@link UnsupportedOptionError}. */
  readonly unsupported?: string;
  /** Accepted values (`posval`), for `str` options. */
  readonly posval?: readonly string[];
  /**
   * Parses one element and stores it.
   * @throws FioError on a bad value
   */
  readonly store?: (o: ThreadOptions, value: string | undefined, pos: ValuePosition) => void;
}

function fail(opt: string, value: string | undefined, why?: string): never {
  throw new FioError(why ?? `fio: failed parsing ${opt}=${value ?? ''}`, opt);
}

function isPercent(v: number | Percentage): v is Percentage {
  return typeof v === 'object';
}

/** `check_str_bytes()` of the element before any comma, as `__handle_option()` does for value types. */
function bytesOf(o: ThreadOptions, name: string, value: string): number | Percentage {
  const head = value.split(',')[0] ?? '';
  const v = checkStrBytes(head, o.kbBase);
  if (v === undefined) fail(name, value);
  return v;
}

function plainBytes(o: ThreadOptions, name: string, value: string): number {
  const v = bytesOf(o, name, value);
  if (isPercent(v)) fail(name, value, `fio: ${name}: a percentage is not allowed here`);
  return v;
}

interface IntLimits {
  readonly min?: number;
  readonly max?: number;
}

function checkLimits(name: string, v: number, lim: IntLimits): void {
  if (lim.max !== undefined && lim.max !== 0 && v > lim.max) {
    fail(name, String(v), `fio: ${name}: max value out of range: ${v} (${lim.max} max)`);
  }
  if (lim.min !== undefined && lim.min !== 0 && v < lim.min) {
    fail(name, String(v), `fio: ${name}: min value out of range: ${v} (${lim.min} min)`);
  }
}

// ----- option constructors -------------------------------------------------------------------------------

type Setter<T> = (o: ThreadOptions, v: T) => void;

interface Common {
  readonly alias?: string;
  readonly def?: string;
  readonly prio?: number;
  readonly engines?: readonly string[];
}

function boolOpt(
  name: string,
  help: string,
  set: Setter<boolean>,
  c: Common & { readonly neg?: boolean } = {},
): FioOption {
  return {
    name,
    type: 'bool',
    help,
    ...c,
    store: (o, value, pos) => {
      if (!pos.first) return;
      if (value === undefined) fail(name, value, `fio: option ${name} requires an argument`);
      const v = checkInt(value);
      if (v === undefined) fail(name, value);
      checkLimits(name, v, { max: 1 });
      set(o, c.neg === true ? v === 0 : v !== 0);
    },
  };
}

function setOpt(name: string, help: string, set: Setter<boolean>, c: Common = {}): FioOption {
  return {
    name,
    type: 'str_set',
    help,
    ...c,
    store: (o, value, pos) => {
      if (!pos.first) return;
      let v = 1;
      if (value !== undefined) {
        const r = checkInt(value);
        if (r === undefined) fail(name, value);
        v = r;
      }
      set(o, v !== 0);
    },
  };
}

function intOpt(name: string, help: string, set: Setter<number>, c: Common & IntLimits = {}): FioOption {
  return {
    name,
    type: 'int',
    help,
    ...c,
    store: (o, value, pos) => {
      if (!pos.first) return;
      if (value === undefined) fail(name, value, `fio: option ${name} requires an argument`);
      const v = plainBytes(o, name, value);
      checkLimits(name, v, c);
      set(o, v);
    },
  };
}

function valOpt(
  name: string,
  help: string,
  set: (o: ThreadOptions, v: number | Percentage, pos: ValuePosition) => void,
  c: Common & IntLimits & { readonly type?: 'str_val' | 'str_val_zone' | 'ull' } = {},
): FioOption {
  return {
    name,
    type: c.type ?? 'str_val',
    help,
    ...c,
    store: (o, value, pos) => {
      if (value === undefined) fail(name, value, `fio: option ${name} requires an argument`);
      if (value.endsWith('z')) {
        if (c.type === 'str_val_zone') {
          throw new UnsupportedOptionError(
            name,
            'zone-relative values (the "z" suffix) need zonemode, which stackemu does not model',
          );
        }
        fail(name, value, `fio: ${name}: 'z' suffix isn't applicable`);
      }
      const v = bytesOf(o, name, value);
      if (typeof v === 'number') checkLimits(name, v, c);
      set(o, v, pos);
    },
  };
}

function timeOpt(
  name: string,
  help: string,
  set: Setter<number>,
  c: Common & { readonly isSeconds?: boolean } = {},
): FioOption {
  return {
    name,
    type: 'str_val_time',
    help,
    ...c,
    store: (o, value, pos) => {
      if (!pos.first) return;
      if (value === undefined) fail(name, value, `fio: option ${name} requires an argument`);
      const v = checkStrTime(value.split(',')[0] ?? '', c.isSeconds ?? true);
      if (v === undefined) fail(name, value);
      set(o, v);
    },
  };
}

/** An `FIO_OPT_INT` option with `is_time` (`thinktime=`): µs by default, or seconds with `is_seconds`. */
function intTimeOpt(name: string, help: string, isSeconds: boolean, set: Setter<number>): FioOption {
  return {
    name,
    type: 'int',
    help,
    def: '0',
    store: (o, value, pos) => {
      if (!pos.first) return;
      if (value === undefined) fail(name, value, `fio: option ${name} requires an argument`);
      const v = checkStrTime(value.split(',')[0] ?? '', isSeconds);
      if (v === undefined) fail(name, value);
      set(o, v);
    },
  };
}

/** A per-direction `FIO_OPT_ULL` byte value (`rate=1m,512k`): off1/off2/off3 are read, write, trim. */
function perDirBytesOpt(
  name: string,
  help: string,
  set: (o: ThreadOptions, d: DataDir, v: number) => void,
  c: Common = {},
): FioOption {
  return {
    name,
    type: 'ull',
    help,
    ...c,
    store: (o, value, pos) => {
      if (value === undefined) fail(name, value, `fio: option ${name} requires an argument`);
      const v = plainBytes(o, name, value);
      perDir(pos, (d) => {
        set(o, d, v);
      });
    },
  };
}

/** A per-direction `FIO_OPT_INT` value (`rate_iops=500,100`). */
function perDirIntOpt(name: string, help: string, set: (o: ThreadOptions, d: DataDir, v: number) => void): FioOption {
  return {
    name,
    type: 'int',
    help,
    store: (o, value, pos) => {
      if (value === undefined) fail(name, value, `fio: option ${name} requires an argument`);
      const v = plainBytes(o, name, value);
      perDir(pos, (d) => {
        set(o, d, v);
      });
    },
  };
}

/** A log option (`write_bw_log[=prefix]`, FIO_OPT_STR with a callback): turns the log on, optionally named. */
function logFileOpt(
  name: string,
  help: string,
  set: (o: ThreadOptions, prefix: string | undefined) => void,
): FioOption {
  return {
    name,
    type: 'str',
    help,
    store: (o, value) => {
      set(o, value === '' ? undefined : value);
    },
  };
}

function strStore(name: string, help: string, set: Setter<string>, c: Common = {}): FioOption {
  return {
    name,
    type: 'str_store',
    help,
    ...c,
    store: (o, value) => {
      if (value === undefined || value.length === 0) fail(name, value, `fio: option ${name} requires an argument`);
      set(o, value);
    },
  };
}

/** `FIO_OPT_STR` matching: `strncmp(ival, value, max(strlen(ival), opt_len(value)))`. */
function matchPosval(posval: readonly string[], value: string): string | undefined {
  const cut = value.search(/[,:]/);
  const head = cut >= 0 ? value.slice(0, cut) : value;
  return posval.find((p) => p === head);
}

function strOpt(
  name: string,
  help: string,
  posval: readonly string[],
  set: (o: ThreadOptions, choice: string, value: string) => void,
  c: Common = {},
): FioOption {
  return {
    name,
    type: 'str',
    help,
    posval,
    ...c,
    store: (o, value) => {
      if (value === undefined) fail(name, value, `fio: option ${name} requires an argument`);
      const choice = matchPosval(posval, value);
      if (choice === undefined) {
        fail(name, value, `fio: failed parsing ${name}=${value} (valid values: ${posval.join(', ')})`);
      }
      set(o, choice, value);
    },
  };
}

function perDir(pos: ValuePosition, store: (d: DataDir) => void): void {
  // __handle_option(): the first element sets off1 (read); element 1 sets off2, element 2 off3; the last
  // element also fills the directions after it.
  if (pos.first) store(DDIR_READ);
  if (pos.curr === 1) store(DDIR_WRITE);
  if (pos.curr === 2) store(DDIR_TRIM);
  if (!pos.more) {
    if (pos.curr < 1) store(DDIR_WRITE);
    if (pos.curr < 2) store(DDIR_TRIM);
  }
}

function profileOpt(name: string, profile: string, type: FioOptType): FioOption {
  return {
    name,
    type,
    help: `only for profile '${profile}' (no effect without profile=${profile}, as in fio)`,
    store: (_o, value) => {
      if (value === undefined && type !== 'str_set') fail(name, value, `fio: option ${name} requires an argument`);
    },
  };
}

function unsupported(name: string, reason: string, c: Common & { readonly type?: FioOptType } = {}): FioOption {
  return { name, type: c.type ?? 'str', help: reason, unsupported: reason, ...c };
}

/** `get_opt_postfix()` (options.c): the text after the first `:`. */
function postfix(value: string): string | undefined {
  const i = value.indexOf(':');
  return i >= 0 ? value.slice(i + 1) : undefined;
}

function sizeOrPercent(v: number | Percentage): { bytes: number } | { percent: number } {
  return isPercent(v) ? { percent: v.percent } : { bytes: v };
}

function parseBsSplit(o: ThreadOptions, name: string, value: string): void {
  // str_split_parse(): "r,w,t" per direction, or one list for all.
  const parts = value.split(',');
  const lists: (string | undefined)[] =
    parts.length === 1 ? [parts[0], parts[0], parts[0]] : [parts[0], parts[1], parts.length > 2 ? parts[2] : parts[1]];
  lists.forEach((list, d) => {
    if (list === undefined || list === '') return;
    const entries: { bs: number; perc: number }[] = [];
    for (const item of list.split(':')) {
      if (item === '') break;
      const [bsText, percText] = item.split('/');
      const bs = checkStrBytes(bsText ?? '', o.kbBase);
      if (bs === undefined || isPercent(bs)) fail(name, value, 'fio: split conversion failed');
      let perc = -1;
      if (percText !== undefined) {
        const p = parseInt(percText, 10) || 0;
        perc = p > 100 ? 100 : p === 0 ? -1 : p;
      }
      entries.push({ bs, perc });
      if (entries.length === 64) break;
    }
    if (entries.length === 0) return;
    let perc = 0;
    let missing = 0;
    for (const e of entries) {
      if (e.perc === -1) missing++;
      else perc += e.perc;
    }
    if (perc > 100 && missing > 1) fail(name, value, 'fio: bssplit percentages add to more than 100%');
    if (missing > 0) {
      if (missing === 1 && entries.length === 1) perc = 100;
      for (const e of entries) if (e.perc === -1) e.perc = Math.trunc((100 - perc) / missing);
    }
    const dir = d as DataDir;
    o.minBs[dir] = Math.min(...entries.map((e) => e.bs));
    o.maxBs[dir] = Math.max(...entries.map((e) => e.bs));
    o.bssplit[dir] = entries.map((e): BsSplit => ({ bs: e.bs, perc: e.perc })).sort((a, b) => a.perc - b.perc);
  });
}

const ENGINES_SUPPORTED = ['sync', 'psync', 'vsync', 'pvsync', 'pvsync2', 'libaio', 'io_uring', 'null'] as const;
const ENGINES_KNOWN = [
  ...ENGINES_SUPPORTED,
  'posixaio',
  'solarisaio',
  'windowsaio',
  'rbd',
  'mmap',
  'splice',
  'netsplice',
  'sg',
  'net',
  'cpuio',
  'rdma',
  'librpma_apm',
  'librpma_gpspm',
  'e4defrag',
  'falloc',
  'gfapi',
  'gfapi_async',
  'libhdfs',
  'pmemblk',
  'ime_psync',
  'ime_psyncv',
  'ime_aio',
  'dev-dax',
  'filecreate',
  'filestat',
  'filedelete',
  'dircreate',
  'dirstat',
  'dirdelete',
  'external',
  'libpmem',
  'http',
  'nbd',
  'dfs',
  'nfs',
  'xnvme',
  'io_uring_cmd',
  'exec',
  'ftruncate',
  'libblkio',
  'libcufile',
];

/**
 * Models `fio_options[]` (options.c) plus the option tables of the engines stackemu supports (sync, libaio,
 * io_uring): every option fio 3.33 knows, in fio's order.
 */
export const fioOptions: readonly FioOption[] = [
  strStore('description', 'Text job description', (o, v) => (o.description = v)),
  strStore('name', 'Name of this job', (o, v) => (o.name = v)),
  unsupported('wait_for', 'waiting for a named job is not modelled (use stonewall)', { type: 'str_store' }),
  strStore('filename', 'File(s) to use for the workload', (o, v) => (o.filename = v), { prio: -1 }),
  strStore('directory', 'Directory to store files in', (o, v) => (o.directory = v)),
  strStore('filename_format', 'Override default $jobname.$jobnum.$filenum naming', (o, v) => (o.filenameFormat = v), {
    prio: -1,
    def: '$jobname.$jobnum.$filenum',
  }),
  boolOpt('unique_filename', 'For network clients, prefix file with source IP', () => undefined, { def: '1' }),
  unsupported('lockfile', 'file locking between jobs is not modelled', { def: 'none', prio: 1 }),
  unsupported('opendir', 'adding the files of a directory tree is not modelled', { type: 'str_store' }),
  strOpt(
    'rw',
    'IO direction',
    [
      'read',
      'write',
      'trim',
      'randread',
      'randwrite',
      'randtrim',
      'rw',
      'readwrite',
      'randrw',
      'trimwrite',
      'randtrimwrite',
    ],
    (o, choice, value) => {
      const bits: Readonly<Record<string, number>> = {
        read: 1,
        write: 2,
        trim: 8,
        randread: 5,
        randwrite: 6,
        randtrim: 12,
        rw: 3,
        readwrite: 3,
        randrw: 7,
        trimwrite: 10,
        randtrimwrite: 14,
      };
      o.tdDdir = bits[choice] ?? 1;
      // str_rw_cb()
      o.ddirSeqNr = 1;
      o.ddirSeqAdd = 0;
      const nr = postfix(value);
      if (nr === undefined) return;
      if ((o.tdDdir & TD_DDIR_RAND) !== 0) {
        o.ddirSeqNr = parseInt(nr, 10) || 0;
      } else {
        const v = strToDecimal(nr, true, o.kbBase);
        if (v === undefined || isPercent(v)) fail('rw', value, 'fio: rw postfix parsing failed');
        o.ddirSeqAdd = v;
      }
    },
    { alias: 'readwrite', def: 'read' },
  ),
  strOpt(
    'rw_sequencer',
    'IO offset generator modifier',
    ['sequential', 'identical'],
    (o, c) => {
      o.rwSeq = c as 'sequential' | 'identical';
    },
    { def: 'sequential' },
  ),
  {
    name: 'ioengine',
    type: 'str_store',
    help: 'IO engine to use',
    def: 'psync',
    posval: ENGINES_KNOWN,
    store: (o, value) => {
      if (value === undefined || value === '') fail('ioengine', value, 'fio: option ioengine requires an argument');
      const name = value.split(':')[0] ?? value;
      if (!(ENGINES_SUPPORTED as readonly string[]).includes(name)) {
        if (ENGINES_KNOWN.includes(name)) {
          throw new UnsupportedOptionError(
            'ioengine',
            `engine '${name}' is not modelled (supported: ${ENGINES_SUPPORTED.join(', ')})`,
          );
        }
        fail('ioengine', value, `fio: engine ${name} not loadable`);
      }
      o.ioengine = name;
    },
  },
  intOpt('iodepth', 'Number of IO buffers to keep in flight', (o, v) => (o.iodepth = v), {
    def: '1',
    min: 1,
    max: 65536,
  }),
  intOpt('iodepth_batch', 'Number of IO buffers to submit in one go', (o, v) => (o.iodepthBatch = v), {
    alias: 'iodepth_batch_submit',
    def: '1',
    max: 65536,
  }),
  intOpt(
    'iodepth_batch_complete_min',
    'Min number of IO buffers to retrieve in one go',
    (o, v) => (o.iodepthBatchCompleteMin = v),
    { alias: 'iodepth_batch_complete', def: '1', max: 65536 },
  ),
  intOpt(
    'iodepth_batch_complete_max',
    'Max number of IO buffers to retrieve in one go',
    (o, v) => (o.iodepthBatchCompleteMax = v),
    {
      max: 65536,
    },
  ),
  intOpt('iodepth_low', 'Low water mark for queuing depth', (o, v) => (o.iodepthLow = v)),
  boolOpt(
    'serialize_overlap',
    'Wait for in-flight IOs that collide to complete',
    (o, v) => {
      if (v) throw new UnsupportedOptionError('serialize_overlap', 'overlap serialisation is not modelled');
    },
    { def: '0' },
  ),
  strOpt(
    'io_submit_mode',
    'How IO submissions and completions are done',
    ['inline', 'offload'],
    (o, c) => {
      o.ioSubmitMode = c as ThreadOptions['ioSubmitMode'];
    },
    { def: 'inline' },
  ),
  valOpt(
    'size',
    'Total size of device or files',
    (o, v, pos) => {
      if (pos.first) o.size = sizeOrPercent(v);
    },
    { type: 'str_val_zone' },
  ),
  valOpt(
    'io_size',
    'Total size of I/O to be performed',
    (o, v, pos) => {
      if (pos.first) o.ioSize = sizeOrPercent(v);
    },
    { type: 'str_val_zone', alias: 'io_limit' },
  ),
  boolOpt('fill_device', 'Write until an ENOSPC error occurs', (o, v) => (o.fillDevice = v), {
    alias: 'fill_fs',
    def: '0',
  }),
  valOpt('filesize', 'Size of individual files', (o, v, pos) => {
    if (isPercent(v)) fail('filesize', `${v.percent}%`, 'fio: filesize: a percentage is not allowed here');
    if (pos.first) o.fileSizeLow = v;
    if (!pos.more) o.fileSizeHigh = v;
  }),
  boolOpt('file_append', 'IO will start at the end of the file(s)', (o, v) => (o.fileAppend = v), { def: '0' }),
  valOpt(
    'offset',
    'Start IO from this offset',
    (o, v, pos) => {
      if (pos.first) o.startOffset = sizeOrPercent(v);
    },
    { type: 'str_val_zone', alias: 'fileoffset', def: '0' },
  ),
  intOpt('offset_align', 'Start IO from this offset alignment', (o, v) => (o.startOffsetAlign = v), { def: '0' }),
  valOpt(
    'offset_increment',
    'What is the increment from one offset to the next',
    (o, v, pos) => {
      if (pos.first) o.offsetIncrement = sizeOrPercent(v);
    },
    { type: 'str_val_zone', def: '0' },
  ),
  valOpt(
    'number_ios',
    'Force job completion after this number of IOs',
    (o, v, pos) => {
      if (isPercent(v)) fail('number_ios', `${v.percent}%`);
      if (pos.first) o.numberIos = v;
    },
    { def: '0' },
  ),
  {
    name: 'bs',
    alias: 'blocksize',
    type: 'ull',
    help: 'Block size unit',
    def: '4096',
    store: (o, value, pos) => {
      if (value === undefined) fail('bs', value, 'fio: option bs requires an argument');
      // A failing (or empty) element is ignored when another element succeeds (handle_option()).
      const v = checkStrBytes(value.split(',')[0] ?? '', o.kbBase);
      if (v === undefined || isPercent(v)) fail('bs', value);
      if (v < 1) fail('bs', value, `fio: bs: min value out of range: ${v} (1 min)`);
      perDir(pos, (d) => {
        o.bs[d] = v;
        o.minBs[d] = v;
        o.maxBs[d] = v;
      });
    },
  },
  {
    name: 'ba',
    alias: 'blockalign',
    type: 'ull',
    help: 'IO block offset alignment',
    store: (o, value, pos) => {
      if (value === undefined) fail('ba', value, 'fio: option ba requires an argument');
      const v = checkStrBytes(value.split(',')[0] ?? '', o.kbBase);
      if (v === undefined || isPercent(v)) fail('ba', value);
      perDir(pos, (d) => (o.ba[d] = v));
    },
  },
  {
    name: 'bsrange',
    alias: 'blocksize_range',
    type: 'range',
    help: 'Set block size range (in more detail than bs)',
    store: (o, value, pos) => {
      if (value === undefined) fail('bsrange', value, 'fio: option bsrange requires an argument');
      const head = value.split(',')[0] ?? '';
      const sep = head.includes('-') ? '-' : ':';
      const [a, b] = head.split(sep);
      if (b === undefined) fail('bsrange', value);
      const lo = checkStrBytes(a ?? '', o.kbBase);
      const hi = checkStrBytes(b, o.kbBase);
      if (lo === undefined || hi === undefined || isPercent(lo) || isPercent(hi)) fail('bsrange', value);
      const min = Math.min(lo, hi);
      const max = Math.max(lo, hi);
      perDir(pos, (d) => {
        o.minBs[d] = min;
        o.maxBs[d] = max;
      });
    },
  },
  {
    name: 'bssplit',
    type: 'str_ull',
    help: 'Set a specific mix of block sizes',
    store: (o, value) => {
      if (value === undefined) fail('bssplit', value, 'fio: option bssplit requires an argument');
      parseBsSplit(o, 'bssplit', value.trim());
    },
  },
  setOpt('bs_unaligned', 'Allow non power-of-two block sizes', (o, v) => (o.bsUnaligned = v), {
    alias: 'blocksize_unaligned',
  }),
  boolOpt('bs_is_seq_rand', 'Consider any blocksize setting to be sequential,random', (o, v) => (o.bsIsSeqRand = v), {
    def: '0',
  }),
  boolOpt('randrepeat', 'Use repeatable random IO pattern', (o, v) => (o.randRepeatable = v), { def: '1' }),
  valOpt(
    'randseed',
    'Set the random generator seed value',
    (o, v, pos) => {
      if (isPercent(v)) fail('randseed', `${v.percent}%`);
      if (!pos.first) return;
      o.randSeed = BigInt(v);
      o.randSeedSet = true;
    },
    { def: '0x89' },
  ),
  setOpt('norandommap', 'Accept potential duplicate random blocks', (o, v) => (o.norandommap = v)),
  boolOpt('softrandommap', 'Set norandommap if randommap allocation fails', (o, v) => (o.softrandommap = v), {
    def: '0',
  }),
  strOpt(
    'random_generator',
    'Type of random number generator to use',
    ['tausworthe', 'lfsr', 'tausworthe64'],
    (o, c) => {
      o.randomGenerator = c as ThreadOptions['randomGenerator'];
    },
    { def: 'tausworthe' },
  ),
  strOpt(
    'random_distribution',
    'Random offset distribution generator',
    ['random', 'zipf', 'pareto', 'normal', 'zoned', 'zoned_abs'],
    (o, c, value) => {
      if (c === 'zoned' || c === 'zoned_abs') {
        throw new UnsupportedOptionError(
          'random_distribution',
          `the ${c} distribution is not modelled (random, zipf, pareto and normal are)`,
        );
      }
      o.randomDistribution = c as ThreadOptions['randomDistribution'];
      if (c === 'random') return;
      // str_random_distribution_cb()
      let val = c === 'zipf' ? 1.1 : c === 'pareto' ? 0.2 : 0;
      let center = -1;
      const nr = postfix(value);
      if (nr !== undefined) {
        const [a, b] = nr.split(':');
        const v = strToFloat(a ?? '');
        if (v === undefined) fail('random_distribution', value, 'fio: random postfix parsing failed');
        val = v;
        if (b !== undefined) {
          const cv = strToFloat(b);
          if (cv === undefined) fail('random_distribution', value, 'fio: random postfix parsing failed');
          center = cv;
        }
      }
      if (center !== -1 && (center < 0 || center > 1)) {
        fail('random_distribution', value, 'fio: distribution center out of range (0 <= center <= 1.0)');
      }
      o.randomCenter = center === -1 ? 0 : center;
      if (c === 'zipf') {
        if (val === 1) fail('random_distribution', value, 'fio: zipf theta must different than 1.0');
        o.zipfTheta = val;
      } else if (c === 'pareto') {
        if (val <= 0 || val >= 1)
          fail('random_distribution', value, 'fio: pareto input out of range (0 < input < 1.0)');
        o.paretoH = val;
      } else {
        if (val < 0 || val >= 100)
          fail('random_distribution', value, 'fio: normal deviation out of range (0 <= input < 100.0)');
        o.gaussDev = val;
      }
    },
    { def: 'random' },
  ),
  {
    name: 'percentage_random',
    type: 'int',
    help: 'Percentage of seq/random mix that should be random',
    def: '100,100,100',
    store: (o, value, pos) => {
      if (value === undefined) fail('percentage_random', value);
      const v = checkStrBytes(value.split(',')[0] ?? '', o.kbBase);
      if (v === undefined || isPercent(v)) fail('percentage_random', value);
      checkLimits('percentage_random', v, { max: 100 });
      perDir(pos, (d) => (o.percRand[d] = v));
    },
  },
  { name: 'percentage_sequential', type: 'deprecated', help: 'Option percentage_sequential is deprecated' },
  boolOpt('allrandrepeat', 'Use repeatable random numbers for everything', (o, v) => (o.allRandRepeatable = v), {
    def: '0',
  }),
  intOpt('nrfiles', 'Split job workload between this number of files', (o, v) => (o.nrFiles = v), {
    alias: 'nr_files',
    def: '1',
    min: 1,
  }),
  intOpt('openfiles', 'Number of files to keep open at the same time', (o, v) => (o.openFiles = v)),
  strOpt(
    'file_service_type',
    'How to select which file to service next',
    ['random', 'zipf', 'pareto', 'normal', 'gauss', 'roundrobin', 'sequential'],
    (o, c) => {
      if (c !== 'random' && c !== 'roundrobin' && c !== 'sequential') {
        throw new UnsupportedOptionError(
          'file_service_type',
          `'${c}' file selection is not modelled (random, roundrobin and sequential are)`,
        );
      }
      o.fileServiceType = c;
    },
    { def: 'roundrobin' },
  ),
  strOpt(
    'fallocate',
    'Whether pre-allocation is performed when laying out files',
    ['none', 'native', 'posix', 'keep', 'truncate', '0', '1'],
    (o, c) => {
      const m: Readonly<Record<string, ThreadOptions['fallocateMode']>> = {
        none: 'none',
        '0': 'none',
        native: 'native',
        posix: 'posix',
        '1': 'posix',
        keep: 'keep',
        truncate: 'truncate',
      };
      o.fallocateMode = m[c] ?? 'native';
    },
    { def: 'native' },
  ),
  unsupported('fadvise_hint', 'posix_fadvise() access hints are not modelled', { def: '1' }),
  intOpt('fsync', 'Issue fsync for writes every given number of blocks', (o, v) => (o.fsyncBlocks = v), { def: '0' }),
  intOpt('fdatasync', 'Issue fdatasync for writes every given number of blocks', (o, v) => (o.fdatasyncBlocks = v), {
    def: '0',
  }),
  unsupported('write_barrier', 'write barriers are not modelled', { type: 'int', def: '0' }),
  unsupported('sync_file_range', 'sync_file_range() is not modelled'),
  boolOpt('direct', 'Use O_DIRECT IO (negates buffered)', (o, v) => (o.odirect = v), { def: '0' }),
  boolOpt(
    'atomic',
    'Use Atomic IO with O_DIRECT (implies O_DIRECT)',
    (_o, v) => {
      if (v) throw new UnsupportedOptionError('atomic', 'O_ATOMIC writes are not modelled');
    },
    { def: '0' },
  ),
  boolOpt('buffered', 'Use buffered IO (negates direct)', (o, v) => (o.odirect = v), { def: '1', neg: true }),
  boolOpt('overwrite', 'When writing, set whether to overwrite current data', (o, v) => (o.overwrite = v), {
    def: '0',
  }),
  intOpt('loops', 'Number of times to run the job', (o, v) => (o.loops = v), { def: '1', min: 1 }),
  intOpt('numjobs', 'Duplicate this job this many times', (o, v) => (o.numjobs = v), { def: '1', min: 1, max: 65536 }),
  {
    name: 'startdelay',
    type: 'str_val_time',
    help: 'Only start job when this period has passed',
    def: '0',
    store: (o, value, pos) => {
      if (value === undefined) fail('startdelay', value);
      const v = checkStrTime(value.split(',')[0] ?? '', true);
      if (v === undefined) fail('startdelay', value);
      if (pos.first) o.startDelay = v;
      else if (v !== o.startDelay) {
        throw new UnsupportedOptionError('startdelay', 'a random start delay range is not modelled');
      }
    },
  },
  timeOpt('runtime', 'Stop workload when this amount of time has passed', (o, v) => (o.timeout = v), {
    alias: 'timeout',
    def: '0',
  }),
  setOpt('time_based', 'Keep running until runtime/timeout is met', (o, v) => (o.timeBased = v)),
  setOpt('verify_only', 'Verifies previously written data is still valid', (o, v) => (o.verifyOnly = v)),
  timeOpt('ramp_time', 'Ramp up time before measuring performance', (o, v) => (o.rampTime = v)),
  unsupported('clocksource', 'virtual time is the only clock'),
  strOpt(
    'mem',
    'Backing type for IO buffers',
    ['malloc', 'shm', 'shmhuge', 'mmap', 'mmapshared', 'mmaphuge', 'cudamalloc'],
    (o, c, value) => {
      if (c === 'shmhuge' || c === 'mmaphuge' || c === 'cudamalloc') {
        throw new UnsupportedOptionError(
          'mem',
          `'${c}' buffers are not modelled (malloc, shm, mmap and mmapshared are)`,
        );
      }
      o.memType = c as ThreadOptions['memType'];
      // str_mem_cb()
      o.mmapfile = c === 'mmap' || c === 'mmapshared' ? (postfix(value) ?? '') : '';
    },
    { alias: 'iomem', def: 'malloc' },
  ),
  intOpt('iomem_align', 'IO memory buffer offset alignment', (o, v) => (o.memAlign = v), {
    alias: 'mem_align',
    def: '0',
  }),
  strOpt(
    'verify',
    'Verify data written',
    [
      '0',
      'md5',
      'crc64',
      'crc32',
      'crc32c-intel',
      'crc32c',
      'crc16',
      'crc7',
      'sha1',
      'sha256',
      'sha512',
      'sha3-224',
      'sha3-256',
      'sha3-384',
      'sha3-512',
      'xxhash',
      'meta',
      'pattern',
      'null',
    ],
    (o, c) => {
      const m: Readonly<Record<string, ThreadOptions['verify']>> = {
        '0': 'none',
        meta: 'meta',
        md5: 'md5',
        crc32c: 'crc32c',
        'crc32c-intel': 'crc32c',
        sha256: 'sha256',
        pattern: 'pattern',
      };
      const v = m[c];
      if (v === undefined) {
        throw new UnsupportedOptionError(
          'verify',
          `verify=${c} is not modelled (meta, md5, crc32c, sha256 and pattern are)`,
        );
      }
      o.verify = v;
    },
    { def: '0' },
  ),
  boolOpt('do_verify', 'Run verification stage after write', (o, v) => (o.doVerify = v), { def: '1' }),
  { name: 'verifysort', type: 'soft_deprecated', help: 'Option verifysort is deprecated' },
  { name: 'verifysort_nr', type: 'soft_deprecated', help: 'Option verifysort_nr is deprecated' },
  intOpt('verify_interval', 'Store verify buffer header every N bytes', (o, v) => (o.verifyInterval = v), {
    min: 2 * 32,
  }),
  intOpt('verify_offset', 'Offset verify header location by N bytes', (o, v) => {
    if (v !== 0) throw new UnsupportedOptionError('verify_offset', 'moving the verify header is not modelled');
    o.verifyOffset = v;
  }),
  {
    name: 'verify_pattern',
    type: 'str',
    help: 'Fill pattern for IO buffers',
    store: (o, value) => {
      if (value === undefined) fail('verify_pattern', value);
      o.verifyPattern = parsePattern(value, 'verify_pattern');
      // str_verify_pattern_cb(): a pattern without verify= means verify=pattern
      if (o.verify === 'none') o.verify = 'pattern';
    },
  },
  boolOpt('verify_fatal', "Exit on a single verify failure, don't continue", (o, v) => (o.verifyFatal = v), {
    def: '0',
  }),
  boolOpt(
    'verify_dump',
    'Dump contents of good and bad blocks on failure',
    (_o, v) => {
      if (v) throw new UnsupportedOptionError('verify_dump', 'dumping blocks to files is not modelled');
    },
    { def: '0' },
  ),
  intOpt(
    'verify_async',
    'Number of async verifier threads to use',
    (_o, v) => {
      if (v !== 0) throw new UnsupportedOptionError('verify_async', 'asynchronous verifier threads are not modelled');
    },
    { def: '0' },
  ),
  valOpt('verify_backlog', 'Verify after this number of blocks are written', (o, v, pos) => {
    if (isPercent(v)) fail('verify_backlog', `${v.percent}%`);
    if (pos.first) o.verifyBacklog = v;
  }),
  intOpt('verify_backlog_batch', 'Verify this number of IO blocks', (o, v) => (o.verifyBatch = v)),
  unsupported('verify_async_cpus', 'CPU affinity is not modelled'),
  boolOpt('experimental_verify', 'Enable experimental verification', (_o, v) => {
    if (v) throw new UnsupportedOptionError('experimental_verify', 'experimental verification is not modelled');
  }),
  boolOpt('verify_state_load', 'Load verify termination state', (_o, v) => {
    if (v) throw new UnsupportedOptionError('verify_state_load', 'verify state files are not modelled');
  }),
  boolOpt('verify_state_save', 'Save verify state on termination', (o, v) => (o.verifyStateSave = v), { def: '1' }),
  unsupported('trim_percentage', 'trim-then-verify is not modelled', { type: 'int', def: '0' }),
  unsupported('trim_verify_zero', 'trim-then-verify is not modelled', { type: 'bool', def: '1' }),
  unsupported('trim_backlog', 'trim-then-verify is not modelled', { type: 'str_val' }),
  unsupported('trim_backlog_batch', 'trim-then-verify is not modelled', { type: 'int' }),
  unsupported('write_iolog', 'I/O logs are not modelled', { type: 'str_store' }),
  unsupported('read_iolog', 'I/O log replay is not modelled', { type: 'str_store' }),
  unsupported('read_iolog_chunked', 'I/O log replay is not modelled', { type: 'bool', def: '0' }),
  unsupported('replay_no_stall', 'I/O log replay is not modelled', { type: 'bool', def: '0' }),
  unsupported('replay_redirect', 'I/O log replay is not modelled', { type: 'str_store' }),
  unsupported('replay_scale', 'I/O log replay is not modelled', { type: 'int', def: '1' }),
  unsupported('replay_align', 'I/O log replay is not modelled', { type: 'int' }),
  unsupported('replay_time_scale', 'I/O log replay is not modelled', { type: 'int', def: '100' }),
  unsupported('replay_skip', 'I/O log replay is not modelled'),
  unsupported('merge_blktrace_file', 'blktrace merging is not modelled', { type: 'str_store' }),
  unsupported('merge_blktrace_scalars', 'blktrace merging is not modelled', { type: 'float_list' }),
  unsupported('merge_blktrace_iters', 'blktrace merging is not modelled', { type: 'float_list' }),
  unsupported('exec_prerun', 'running host commands is not modelled', { type: 'str_store' }),
  unsupported('exec_postrun', 'running host commands is not modelled', { type: 'str_store' }),
  unsupported('ioscheduler', 'I/O scheduler switching is not modelled (blk-mq runs without a scheduler)', {
    type: 'str_store',
  }),
  strOpt(
    'zonemode',
    'Mode for the zonesize, zonerange and zoneskip parameters',
    ['none', 'strided', 'zbd'],
    (_o, c) => {
      if (c !== 'none') throw new UnsupportedOptionError('zonemode', `zonemode=${c} is not modelled`);
    },
    { def: 'none' },
  ),
  unsupported('zonesize', 'zoned I/O is not modelled', { type: 'str_val', def: '0' }),
  unsupported('zonecapacity', 'zoned I/O is not modelled', { type: 'str_val', def: '0' }),
  unsupported('zonerange', 'zoned I/O is not modelled', { type: 'str_val', def: '0' }),
  unsupported('zoneskip', 'zoned I/O is not modelled', { type: 'str_val_zone', def: '0' }),
  unsupported('read_beyond_wp', 'zoned block devices are not modelled', { type: 'bool', def: '0' }),
  unsupported('max_open_zones', 'zoned block devices are not modelled', { type: 'int', def: '0' }),
  unsupported('job_max_open_zones', 'zoned block devices are not modelled', { type: 'int', def: '0' }),
  unsupported('ignore_zone_limits', 'zoned block devices are not modelled', { type: 'bool', def: '0' }),
  unsupported('zone_reset_threshold', 'zoned block devices are not modelled', { type: 'float_list' }),
  unsupported('zone_reset_frequency', 'zoned block devices are not modelled', { type: 'float_list' }),
  unsupported('lockmem', 'mlock()ing memory away is not modelled', { type: 'str_val', def: '0' }),
  intOpt(
    'rwmixread',
    'Percentage of mixed workload that is reads',
    (o, v) => {
      o.rwmix[DDIR_READ] = v;
      o.rwmix[DDIR_WRITE] = 100 - v;
    },
    { def: '50', max: 100 },
  ),
  intOpt(
    'rwmixwrite',
    'Percentage of mixed workload that is writes',
    (o, v) => {
      o.rwmix[DDIR_WRITE] = v;
      o.rwmix[DDIR_READ] = 100 - v;
    },
    { def: '50', max: 100 },
  ),
  { name: 'rwmixcycle', type: 'deprecated', help: 'Option rwmixcycle is deprecated' },
  unsupported('nice', 'CPU scheduling priorities are not modelled', { type: 'int', def: '0' }),
  unsupported('prio', 'I/O priorities are not modelled', { type: 'int' }),
  unsupported('prioclass', 'I/O priorities are not modelled', { type: 'int' }),
  intTimeOpt('thinktime', 'Idle time between IO buffers (usec)', false, (o, v) => (o.thinktime = v)),
  intTimeOpt(
    'thinktime_spin',
    'Start think time by spinning this amount (usec)',
    false,
    (o, v) => (o.thinktimeSpin = v),
  ),
  intOpt('thinktime_blocks', "IO buffer period between 'thinktime'", (o, v) => (o.thinktimeBlocks = v), { def: '1' }),
  strOpt(
    'thinktime_blocks_type',
    'How thinktime_blocks takes effect',
    ['complete', 'issue'],
    (o, c) => {
      o.thinktimeBlocksType = c as ThreadOptions['thinktimeBlocksType'];
    },
    { def: 'complete' },
  ),
  intTimeOpt('thinktime_iotime', "IO time interval between 'thinktime'", true, (o, v) => (o.thinktimeIotime = v)),
  perDirBytesOpt('rate', 'Set bandwidth rate', (o, d, v) => (o.rate[d] = v)),
  perDirBytesOpt('rate_min', 'Job must meet this rate or it will be shutdown', (o, d, v) => (o.rateMin[d] = v), {
    alias: 'ratemin',
  }),
  perDirIntOpt('rate_iops', 'Limit IO used to this number of IO operations/sec', (o, d, v) => (o.rateIops[d] = v)),
  perDirIntOpt('rate_iops_min', 'Job must meet this rate or it will be shut down', (o, d, v) => (o.rateIopsMin[d] = v)),
  strOpt(
    'rate_process',
    'What process controls how rated IO is managed',
    ['linear', 'poisson'],
    (o, c) => {
      o.rateProcess = c as ThreadOptions['rateProcess'];
    },
    { def: 'linear' },
  ),
  intOpt('rate_cycle', 'Window average for rate limits (msec)', (o, v) => (o.rateCycle = v), {
    alias: 'ratecycle',
    def: '1000',
  }),
  boolOpt('rate_ignore_thinktime', 'Rated IO ignores thinktime settings', (o, v) => (o.rateIgnThink = v)),
  {
    name: 'max_latency',
    type: 'ull',
    help: 'Maximum tolerated IO latency (usec)',
    store: (o, value, pos) => {
      if (value === undefined) fail('max_latency', value, 'fio: option max_latency requires an argument');
      const v = checkStrTime(value.split(',')[0] ?? '', false);
      if (v === undefined) fail('max_latency', value);
      perDir(pos, (d) => (o.maxLatency[d] = v));
    },
  },
  timeOpt('latency_target', 'Ramp to max queue depth supporting this latency', (o, v) => (o.latencyTarget = v), {
    isSeconds: false,
  }),
  timeOpt('latency_window', 'Time to sustain latency_target', (o, v) => (o.latencyWindow = v), { isSeconds: false }),
  {
    name: 'latency_percentile',
    type: 'float_list',
    help: 'Percentile of IOs must be below latency_target',
    def: '100',
    store: (o, value) => {
      if (value === undefined) fail('latency_percentile', value);
      const items = value.split(':');
      if (items.length > 1)
        fail('latency_percentile', value, 'fio: latency_percentile: the list exceeding max length 1');
      const v = strToFloat(items[0] ?? '');
      if (v === undefined) fail('latency_percentile', value, `not a floating point value: ${value}`);
      if (v < 0 || v > 100) fail('latency_percentile', value, `value out of range: ${v.toFixed(6)}`);
      o.latencyPercentile = v;
    },
  },
  boolOpt('latency_run', 'Keep adjusting queue depth to match latency_target', (o, v) => (o.latencyRun = v), {
    def: '0',
  }),
  boolOpt('invalidate', 'Invalidate buffer/page cache prior to running job', (o, v) => (o.invalidateCache = v), {
    def: '1',
  }),
  strOpt(
    'sync',
    'Use synchronous write IO',
    ['none', '0', 'sync', '1', 'dsync'],
    (o, c) => {
      o.syncIo = c === 'sync' || c === '1' ? 'sync' : c === 'dsync' ? 'dsync' : 'none';
    },
    { def: 'none' },
  ),
  unsupported('write_hint', 'write lifetime hints are not modelled'),
  boolOpt('create_serialize', 'Serialize creation of job files', (o, v) => (o.createSerialize = v), { def: '1' }),
  boolOpt('create_fsync', 'fsync file after creation', (o, v) => (o.createFsync = v), { def: '1' }),
  boolOpt('create_on_open', 'Create files when they are opened for IO', (o, v) => (o.createOnOpen = v), { def: '0' }),
  boolOpt('create_only', 'Only perform file creation phase', (o, v) => (o.createOnly = v), { def: '0' }),
  boolOpt('allow_file_create', "Permit fio to create files, if they don't exist", (o, v) => (o.allowCreate = v), {
    def: '1',
  }),
  boolOpt('allow_mounted_write', 'Allow writes to a mounted partition', () => undefined, { def: '0' }),
  boolOpt(
    'pre_read',
    'Pre-read files before starting official testing',
    (_o, v) => {
      if (v) throw new UnsupportedOptionError('pre_read', 'pre-reading files into the page cache is not modelled');
    },
    { def: '0' },
  ),
  unsupported('cpumask', 'CPU affinity is not modelled', { type: 'int' }),
  unsupported('cpus_allowed', 'CPU affinity is not modelled'),
  unsupported('cpus_allowed_policy', 'CPU affinity is not modelled', { prio: 1 }),
  unsupported('numa_cpu_nodes', 'NUMA placement is not modelled'),
  unsupported('numa_mem_policy', 'NUMA placement is not modelled'),
  unsupported('gpu_dev_id', 'GPU memory is not modelled', { type: 'int', def: '0' }),
  boolOpt('end_fsync', 'Include fsync at the end of job', (o, v) => (o.endFsync = v), { def: '0' }),
  boolOpt('fsync_on_close', 'fsync files on close', (o, v) => (o.fsyncOnClose = v), { def: '0' }),
  boolOpt('unlink', 'Unlink created files after job has completed', (o, v) => (o.unlink = v), { def: '0' }),
  boolOpt(
    'unlink_each_loop',
    'Unlink created files after each loop in a job has completed',
    (o, v) => (o.unlinkEachLoop = v),
    { def: '0' },
  ),
  setOpt('exitall', 'Terminate all jobs when one exits', (o, v) => (o.exitall = v)),
  strOpt(
    'exit_what',
    'Fine-grained control for exitall',
    ['group', 'stonewall', 'all'],
    (_o, c) => {
      if (c !== 'group') throw new UnsupportedOptionError('exit_what', `exit_what=${c} is not modelled`);
    },
    { def: 'group' },
  ),
  setOpt('exitall_on_error', 'Terminate all jobs when one exits in error', (_o, v) => {
    if (v) throw new UnsupportedOptionError('exitall_on_error', 'terminating all jobs on an error is not modelled');
  }),
  setOpt('stonewall', 'Insert a hard barrier between this job and previous', (o, v) => (o.stonewall = v), {
    alias: 'wait_for_previous',
  }),
  setOpt('new_group', 'Mark the start of a new group (for reporting)', (o, v) => (o.newGroup = v)),
  setOpt('thread', 'Use threads instead of processes', (o, v) => (o.useThread = v)),
  boolOpt('per_job_logs', 'Include job number in generated log files or not', (o, v) => (o.perJobLogs = v), {
    def: '1',
  }),
  logFileOpt('write_bw_log', 'Write log of bandwidth during run', (o, v) => {
    o.writeBwLog = true;
    if (v !== undefined) o.bwLogFile = v;
  }),
  logFileOpt('write_lat_log', 'Write log of latency during run', (o, v) => {
    o.writeLatLog = true;
    if (v !== undefined) o.latLogFile = v;
  }),
  logFileOpt('write_iops_log', 'Write log of IOPS during run', (o, v) => {
    o.writeIopsLog = true;
    if (v !== undefined) o.iopsLogFile = v;
  }),
  intOpt('log_entries', 'Initial number of entries in a job IO log', () => undefined, {
    def: '1024',
    min: 1024,
    max: 1024 * 1024,
  }),
  intOpt('log_avg_msec', 'Average bw/iops/lat logs over this period of time', (o, v) => (o.logAvgMsec = v), {
    def: '0',
  }),
  intOpt(
    'log_hist_msec',
    'Dump completion latency histograms at frequency of this time value',
    (o, v) => (o.logHistMsec = v),
    { def: '0' },
  ),
  intOpt(
    'log_hist_coarseness',
    'Integer in range [0,6]. Higher coarseness outputs fewer histogram bins per sample. The number of bins for these are [1216, 608, 304, 152, 76, 38, 19] respectively.',
    (o, v) => (o.logHistCoarseness = v),
    { def: '0', max: 6 },
  ),
  logFileOpt('write_hist_log', 'Write log of latency histograms during run', (o, v) => {
    o.writeHistLog = true;
    if (v !== undefined) o.histLogFile = v;
  }),
  boolOpt('log_max_value', 'Log max sample in a window instead of average', (o, v) => (o.logMax = v), { def: '0' }),
  boolOpt('log_offset', 'Include offset of IO for each log entry', (o, v) => (o.logOffset = v), { def: '0' }),
  boolOpt('log_prio', 'Include priority value of IO for each log entry', (o, v) => (o.logPrio = v), { def: '0' }),
  unsupported('log_compression', 'compressed (zlib) log files are not modelled', { type: 'int' }),
  unsupported('log_compression_cpus', 'compressed (zlib) log files are not modelled'),
  unsupported('log_store_compressed', 'compressed (zlib) log files are not modelled', { type: 'bool' }),
  unsupported('log_unix_epoch', 'log times are virtual ms since the job started; a Unix epoch base is not modelled', {
    type: 'bool',
  }),
  unsupported(
    'log_alternate_epoch',
    'log times are virtual ms since the job started; an alternate epoch is not modelled',
    {
      type: 'bool',
    },
  ),
  unsupported('log_alternate_epoch_clock_id', 'an alternate log epoch clock is not modelled', { type: 'int' }),
  unsupported('block_error_percentiles', 'trim error histograms are not modelled', { type: 'bool', def: '0' }),
  intOpt('bwavgtime', 'Time window over which to calculate bandwidth (msec)', (o, v) => (o.bwAvgTime = v), {
    def: '500',
    min: 1,
  }),
  intOpt('iopsavgtime', 'Time window over which to calculate IOPS (msec)', (o, v) => (o.iopsAvgTime = v), {
    def: '500',
    min: 1,
  }),
  setOpt('group_reporting', 'Do reporting on a per-group basis', (o, v) => (o.groupReporting = v)),
  boolOpt('stats', 'Enable collection of stats', (o, v) => (o.stats = v), { def: '1' }),
  setOpt('zero_buffers', 'Init IO buffers to all zeroes', (o, v) => (o.zeroBuffers = v)),
  setOpt('refill_buffers', 'Refill IO buffers on every IO submit', (o, v) => (o.refillBuffers = v)),
  boolOpt('scramble_buffers', 'Slightly scramble buffers on every IO submit', (o, v) => (o.scrambleBuffers = v), {
    def: '1',
  }),
  {
    name: 'buffer_pattern',
    type: 'str',
    help: 'Fill pattern for IO buffers',
    store: (o, value) => {
      if (value === undefined) fail('buffer_pattern', value);
      o.bufferPattern = parsePattern(value, 'buffer_pattern');
    },
  },
  unsupported('buffer_compress_percentage', 'compressible buffer contents are not modelled', { type: 'int' }),
  unsupported('buffer_compress_chunk', 'compressible buffer contents are not modelled', { type: 'int', def: '512' }),
  unsupported('dedupe_percentage', 'dedupable buffer contents are not modelled', { type: 'int' }),
  unsupported('dedupe_global', 'dedupable buffer contents are not modelled', { type: 'bool', def: '0' }),
  unsupported('dedupe_mode', 'dedupable buffer contents are not modelled', { def: 'repeat' }),
  unsupported('dedupe_working_set_percentage', 'dedupable buffer contents are not modelled', { type: 'int', def: '5' }),
  boolOpt(
    'clat_percentiles',
    'Enable the reporting of completion latency percentiles',
    (o, v) => (o.clatPercentiles = v),
    { def: '1' },
  ),
  boolOpt('lat_percentiles', 'Enable the reporting of IO latency percentiles', (o, v) => (o.latPercentiles = v), {
    def: '0',
  }),
  boolOpt(
    'slat_percentiles',
    'Enable the reporting of submission latency percentiles',
    (o, v) => (o.slatPercentiles = v),
    { def: '0' },
  ),
  {
    name: 'percentile_list',
    type: 'float_list',
    help: 'Specify a custom list of percentiles to report for completion latency and block errors',
    def: '1:5:10:20:30:40:50:60:70:80:90:95:99:99.5:99.9:99.95:99.99',
    store: (o, value) => {
      if (value === undefined) fail('percentile_list', value);
      const list: number[] = [];
      let precision = 0;
      for (const item of value.split(':')) {
        if (list.length >= 20) fail('percentile_list', value, 'the list exceeding max length 20');
        const v = strToFloat(item);
        if (v === undefined) fail('percentile_list', value, `not a floating point value: ${item}`);
        if (v < 0 || v > 100) fail('percentile_list', value, `value out of range: ${v.toFixed(6)}`);
        list.push(v);
        const dot = item.indexOf('.');
        if (dot >= 0) precision = Math.max(precision, /^\d*/.exec(item.slice(dot + 1))?.[0].length ?? 0);
      }
      o.percentileList = list;
      o.percentilePrecision = precision;
    },
  },
  intOpt('significant_figures', 'Significant figures for output-format set to normal', (o, v) => (o.sigFigs = v), {
    def: '4',
    min: 1,
    max: 10,
  }),
  boolOpt('disk_util', 'Log disk utilization statistics', () => undefined, { def: '1' }),
  boolOpt(
    'gtod_reduce',
    'Greatly reduce number of gettimeofday() calls',
    (o, v) => {
      o.gtodReduce = v;
      // str_gtod_reduce_cb()
      o.disableLat = v;
      o.disableClat = v;
      o.disableSlat = v;
      o.disableBw = v;
      o.clatPercentiles = !v;
    },
    { def: '0' },
  ),
  boolOpt('disable_lat', 'Disable latency numbers', (o, v) => (o.disableLat = v), { def: '0' }),
  boolOpt('disable_clat', 'Disable completion latency numbers', (o, v) => (o.disableClat = v), { def: '0' }),
  boolOpt('disable_slat', 'Disable submission latency numbers', (o, v) => (o.disableSlat = v), { def: '0' }),
  boolOpt('disable_bw_measurement', 'Disable bandwidth logging', (o, v) => (o.disableBw = v), {
    alias: 'disable_bw',
    def: '0',
  }),
  unsupported('gtod_cpu', 'a gettimeofday() thread is not modelled', { type: 'int' }),
  strOpt(
    'unified_rw_reporting',
    'Unify reporting across data direction',
    ['none', 'mixed', 'both', '0', '1', '2'],
    (o, c) => {
      o.unifiedRwRep = c === 'mixed' || c === '1' ? 'mixed' : c === 'both' || c === '2' ? 'both' : 'none';
      if (o.unifiedRwRep !== 'none') {
        throw new UnsupportedOptionError('unified_rw_reporting', 'unified read/write reporting is not modelled');
      }
    },
    { def: 'none' },
  ),
  strOpt(
    'continue_on_error',
    'Continue on non-fatal errors during IO',
    ['none', 'read', 'write', 'io', 'verify', 'all', '0', '1'],
    (o, c) => {
      const v = c === '0' ? 'none' : c === '1' ? 'all' : c;
      o.continueOnError = v as ThreadOptions['continueOnError'];
    },
    { def: 'none' },
  ),
  unsupported('ignore_error', 'error filtering is not modelled'),
  boolOpt(
    'error_dump',
    'Dump info on each error',
    (_o, v) => {
      if (v) throw new UnsupportedOptionError('error_dump', 'error dumps are not modelled');
    },
    { def: '0' },
  ),
  unsupported('profile', 'fio profiles are not modelled', { type: 'str_store' }),
  unsupported('cgroup', 'cgroups are not modelled', { type: 'str_store' }),
  unsupported('cgroup_nodelete', 'cgroups are not modelled', { type: 'bool', def: '0' }),
  unsupported('cgroup_weight', 'cgroups are not modelled', { type: 'int' }),
  unsupported('uid', 'user ids are not modelled', { type: 'int' }),
  unsupported('gid', 'group ids are not modelled', { type: 'int' }),
  strOpt(
    'kb_base',
    'Unit prefix interpretation for quantities of data (IEC and SI)',
    ['1024', '1000'],
    (o, c) => {
      o.kbBase = c === '1000' ? 1000 : 1024;
    },
    { def: '1024', prio: 1 },
  ),
  strOpt(
    'unit_base',
    'Unit for quantities of data (Bits or Bytes)',
    ['0', '8', '1'],
    (_o, c) => {
      if (c === '8') throw new UnsupportedOptionError('unit_base', 'bit-based output units are not modelled');
    },
    { prio: 1 },
  ),
  unsupported('hugepage-size', 'huge pages are not modelled', { type: 'int' }),
  unsupported('flow_id', 'flow control between jobs is not modelled', { type: 'int', def: '0' }),
  unsupported('flow', 'flow control between jobs is not modelled', { type: 'int', def: '0' }),
  { name: 'flow_watermark', type: 'soft_deprecated', help: 'Option flow_watermark is deprecated' },
  unsupported('flow_sleep', 'flow control between jobs is not modelled', { type: 'int', def: '0' }),
  strOpt(
    'steadystate',
    'Define the criterion and limit to judge when a job has reached steady state',
    ['iops', 'iops_slope', 'bw', 'bw_slope'],
    (o, c, value) => {
      o.ssState = { iops: FIO_SS_IOPS, iops_slope: FIO_SS_IOPS_SLOPE, bw: FIO_SS_BW, bw_slope: FIO_SS_BW_SLOPE }[
        c as 'iops' | 'iops_slope' | 'bw' | 'bw_slope'
      ];
      // str_steadystate_cb()
      const nr = postfix(value);
      if (nr === undefined) {
        fail('steadystate', value, 'fio: steadystate threshold must be specified in addition to criterion');
      }
      const pct = nr.indexOf('%');
      if (pct >= 0) {
        const v = strToFloat(stripBlankEnd(nr.slice(0, pct)));
        if (v === undefined) fail('steadystate', value, 'fio: could not parse steadystate threshold percentage');
        o.ssState |= FIO_SS_PCT;
        o.ssLimit = v;
      } else if ((o.ssState & FIO_SS_IOPS) !== 0) {
        const v = strToFloat(nr);
        if (v === undefined) fail('steadystate', value, 'fio: steadystate IOPS threshold postfix parsing failed');
        o.ssLimit = v;
      } else {
        const v = strToDecimal(nr, true, o.kbBase);
        if (v === undefined || isPercent(v))
          fail('steadystate', value, 'fio: steadystate BW threshold postfix parsing failed');
        o.ssLimit = v;
      }
    },
    { alias: 'ss', def: 'iops_slope:0.01%' },
  ),
  timeOpt(
    'steadystate_duration',
    'Stop workload upon attaining steady state for specified duration',
    (o, v) => (o.ssDur = v),
    { alias: 'ss_dur', def: '0' },
  ),
  timeOpt(
    'steadystate_ramp_time',
    'Delay before initiation of data collection for steady state job termination testing',
    (o, v) => (o.ssRampTime = v),
    { alias: 'ss_ramp', def: '0' },
  ),
  // ----- profile options (profiles/tiobench.c, profiles/act.c): fio accepts them in any job; they only act with
  // profile=<name>, which stackemu does not model, so here as in fio without profile= they change nothing.
  profileOpt('block', 'tiobench', 'int'),
  profileOpt('numruns', 'tiobench', 'int'),
  profileOpt('dir', 'tiobench', 'str_store'),
  profileOpt('threads', 'tiobench', 'int'),
  profileOpt('device-names', 'act', 'str_store'),
  profileOpt('load', 'act', 'int'),
  profileOpt('test-duration', 'act', 'str_val_time'),
  profileOpt('threads-per-queue', 'act', 'int'),
  profileOpt('read-req-num-512-blocks', 'act', 'int'),
  profileOpt('large-block-op-kbytes', 'act', 'int'),
  profileOpt('prep', 'act', 'str_set'),
  // ----- engine options ------------------------------------------------------------------------------------
  // FIO_OPT_STR_SET in engines/io_uring.c and engines/sync.c; io_uring's (IORING_SETUP_IOPOLL) is refused by
  // fixup_options(), once the engine is known.
  setOpt('hipri', 'Use polled IO completions', (o, v) => (o.engine.hipri = v), { engines: ['io_uring', 'pvsync2'] }),
  unsupported('hipri_percentage', 'polled completions are not modelled', { type: 'int', engines: ['pvsync2'] }),
  unsupported('cmdprio_percentage', 'I/O priorities are not modelled', {
    type: 'int',
    engines: ['io_uring', 'libaio'],
  }),
  unsupported('cmdprio_class', 'I/O priorities are not modelled', { type: 'int', engines: ['io_uring', 'libaio'] }),
  unsupported('cmdprio', 'I/O priorities are not modelled', { type: 'int', engines: ['io_uring', 'libaio'] }),
  unsupported('cmdprio_bssplit', 'I/O priorities are not modelled', { engines: ['io_uring', 'libaio'] }),
  setOpt('fixedbufs', 'Pre map IO buffers', (o, v) => (o.engine.fixedbufs = v), { engines: ['io_uring'] }),
  setOpt('registerfiles', 'Pre-open/register files', (o, v) => (o.engine.registerfiles = v), { engines: ['io_uring'] }),
  setOpt(
    'sqthread_poll',
    'Offload submission/completion to kernel thread',
    (_o, v) => {
      if (v) throw new UnsupportedOptionError('sqthread_poll', 'a kernel SQ polling thread is not modelled');
    },
    { engines: ['io_uring'] },
  ),
  unsupported('sqthread_poll_cpu', 'a kernel SQ polling thread is not modelled', {
    type: 'int',
    engines: ['io_uring'],
  }),
  intOpt('nonvectored', 'Use non-vectored read/write commands', (o, v) => (o.engine.nonvectored = v), {
    engines: ['io_uring'],
  }),
  intOpt(
    'uncached',
    'Use RWF_UNCACHED for buffered read/writes',
    (o, v) => {
      if (v !== 0)
        throw new UnsupportedOptionError(
          'uncached',
          'RWF_UNCACHED is not in upstream Linux 6.18 I/O paths modelled here',
        );
      o.engine.uncached = v;
    },
    { engines: ['io_uring', 'pvsync2'] },
  ),
  setOpt(
    'nowait',
    'Use RWF_NOWAIT for reads/writes',
    (_o, v) => {
      if (v)
        throw new UnsupportedOptionError(
          'nowait',
          'RWF_NOWAIT / IOCB_NOWAIT submission is not modelled by the fio engines',
        );
    },
    { engines: ['io_uring', 'libaio', 'pvsync2'] },
  ),
  intOpt(
    'force_async',
    'Set IOSQE_ASYNC every N requests',
    (o, v) => {
      if (v !== 0) throw new UnsupportedOptionError('force_async', 'io-wq offload (IOSQE_ASYNC) is not modelled');
      o.engine.forceAsync = v;
    },
    { engines: ['io_uring'] },
  ),
  unsupported('cmd_type', 'io_uring passthrough commands are not modelled', { engines: ['io_uring'] }),
  setOpt('userspace_reap', 'Use alternative user-space reap implementation', (o, v) => (o.engine.userspaceReap = v), {
    engines: ['libaio'],
  }),
];

const byName = new Map<string, FioOption>();
for (const opt of fioOptions) {
  byName.set(opt.name, opt);
  if (opt.alias !== undefined) byName.set(opt.alias, opt);
}

/**
 * Models `find_option()` (parse.c): the option named `name` (or its alias).
 * @returns the option, or undefined if fio has no such option
 */
export function findOption(name: string): FioOption | undefined {
  return byName.get(name);
}

/**
 * Models `handle_option()` (parse.c): splits a value into its comma-separated elements (and, for integer
 * types, `:` or `-` elements) and stores each; for a per-direction option the elements are read, write, trim.
 * Marks the option set. An unsupported option throws {@link UnsupportedOptionError}; a deprecated one is
 * an error (fio's `FIO_OPT_DEPRECATED`), a soft-deprecated one is accepted and does nothing.
 * @param o - the options being built
 * @param opt - the option
 * @param value - the value text, or undefined for a bare `key`
 * @throws FioError or UnsupportedOptionError
 */
export function handleOption(o: ThreadOptions, opt: FioOption, value: string | undefined): void {
  if (opt.unsupported !== undefined) throw new UnsupportedOptionError(opt.name, opt.unsupported);
  if (opt.type === 'deprecated') throw new FioError(`fio: option ${opt.name} is deprecated`, opt.name);
  if (opt.type === 'soft_deprecated') return;
  if (value === undefined && opt.type !== 'str_set' && opt.type !== 'str') {
    throw new FioError(`fio: option ${opt.name} requires an argument`, opt.name);
  }
  const store = opt.store;
  if (store === undefined) return;
  const splits =
    value !== undefined &&
    opt.type !== 'str_store' &&
    opt.type !== 'str' &&
    opt.type !== 'str_ull' &&
    opt.type !== 'float_list';
  let ptr = value;
  let curr = 0;
  let ok = false;
  let firstError: unknown;
  for (;;) {
    let next = -1;
    if (splits && ptr !== undefined) {
      next = ptr.indexOf(',');
      if (next >= 0 && next === ptr.length - 1) ptr = ptr.slice(0, next);
      if (next < 0 && opt.type !== 'str_multi' && opt.type !== 'range') {
        next = ptr.indexOf(':');
        if (next < 0) next = ptr.indexOf('-', 1);
      }
    }
    try {
      store(o, ptr, { first: curr === 0, more: next >= 0, curr });
      ok = true;
    } catch (e) {
      if (e instanceof UnsupportedOptionError) throw e;
      firstError ??= e;
    }
    if (next < 0 || ptr === undefined) break;
    ptr = next + 1 <= ptr.length ? ptr.slice(next + 1) : '';
    curr++;
    if (curr > 64) break;
  }
  if (!ok) throw firstError;
  o.setOptions.add(opt.name);
}
