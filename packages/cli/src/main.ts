/**
 * The `stackemu` command: `stackemu fio [fio options…] [job files…]`, `stackemu stacks`, `stackemu plugins`.
 * @packageDocumentation
 */
import {
  createLogger,
  createMachine,
  createRng,
  VirtualScheduler,
  type Machine,
  type Plugin,
  type StackConfig,
} from '@stackemu/core';
import {
  checkStrTime,
  machineFioHost,
  parseOptions,
  runFio,
  type FioHost,
  type FioRunResult,
  type ThreadData,
} from '@stackemu/fio';
import { catalogue } from './catalogue.js';
import { ChromeTrace } from './chrome-trace.js';
import { mapDevicePaths } from './device-map.js';
import { applySets, parseStackFile, StackFileError } from './stack-config.js';
import { builtinStacks, defaultStack } from './stacks.js';
import { hostWallClock, type WallClock } from './wall-clock.js';

/** What the command talks to: output streams, host files, environment, clock. */
export interface CliIo {
  /** Writes to stdout. */
  stdout(s: string): void;
  /** Writes to stderr. */
  stderr(s: string): void;
  /** Reads a host file, or undefined if it does not exist. */
  readFile(path: string): string | undefined;
  /** Writes a host file. */
  writeFile(path: string, text: string): void;
  /** Environment. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** stderr is a terminal (progress line). */
  readonly isTTY: boolean;
  /** Wall clock. */
  readonly clock: WallClock;
}

const USAGE = `usage: stackemu <command> [options]

commands:
  fio [--stack FILE|NAME] [--set key=value]... [--seed N] [--trace out.json] [--stop-after TIME]
      [fio options...] [job files...]
        run fio jobs on an emulated stack (default: the built-in "default" stack); --stop-after ends every
        job at that virtual time (fio units, seconds by default), as fio does on Ctrl-C
  stacks   list the built-in stacks
  plugins  list the plugins stacks can be built from, with their parameters
`;

/** Raised for a bad `stackemu` command line. */
export class UsageError extends Error {
  /** Error class name. */
  override readonly name: string = 'UsageError';
}

interface FioCliArgs {
  readonly stack: string | undefined;
  readonly sets: string[];
  readonly seed: string | undefined;
  readonly trace: string | undefined;
  readonly stopAfter: string | undefined;
  readonly fioArgv: string[];
}

function splitFioArgs(argv: readonly string[]): FioCliArgs {
  let stack: string | undefined;
  let seed: string | undefined;
  let trace: string | undefined;
  let stopAfter: string | undefined;
  const sets: string[] = [];
  const fioArgv: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const take = (name: string): string => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`stackemu: ${name} needs a value`);
      return v;
    };
    if (a === '--stack' || a.startsWith('--stack=')) stack = take('--stack');
    else if (a === '--set' || a.startsWith('--set=')) sets.push(take('--set'));
    else if (a === '--seed' || a.startsWith('--seed=')) seed = take('--seed');
    else if (a === '--trace' || a.startsWith('--trace=')) trace = take('--trace');
    else if (a === '--stop-after' || a.startsWith('--stop-after=')) stopAfter = take('--stop-after');
    else fioArgv.push(a);
  }
  return { stack, sets, seed, trace, stopAfter, fioArgv };
}

/**
 * Resolves `--stack` (a built-in name or a YAML/JSON file), `--set` overrides and `--seed`.
 * @returns the stack config
 * @throws StackFileError, UsageError
 */
export function resolveStackArg(
  io: CliIo,
  stack: string | undefined,
  sets: readonly string[],
  seed: string | undefined,
): StackConfig {
  let cfg: StackConfig = defaultStack;
  if (stack !== undefined) {
    const builtin = builtinStacks.find((s) => s.name === stack);
    if (builtin !== undefined) cfg = builtin.config;
    else {
      const text = io.readFile(stack);
      if (text === undefined)
        throw new StackFileError(
          `--stack ${stack}: no such file or built-in stack (built-in: ${builtinStacks.map((s) => s.name).join(', ')})`,
        );
      cfg = parseStackFile(text, stack);
    }
  }
  cfg = applySets(cfg, sets);
  if (seed !== undefined) cfg = { ...cfg, seed: /^\d+$/.test(seed) ? Number(seed) : seed };
  return cfg;
}

function progressLine(tds: readonly ThreadData[], m: Machine, wallNs: number): string {
  let r = 0;
  let w = 0;
  let ios = 0;
  let running = 0;
  for (const t of tds) {
    r += t.ioBytes[0] ?? 0;
    w += t.ioBytes[1] ?? 0;
    ios += (t.ioBlocks[0] ?? 0) + (t.ioBlocks[1] ?? 0) + (t.ioBlocks[2] ?? 0);
    if (t.runstate !== 'exited' && t.runstate !== 'not_created') running++;
  }
  const mib = (b: number): string => `${(b / 1048576).toFixed(1)}MiB`;
  return `Jobs: ${running} (f=${running}): [r=${mib(r)}][w=${mib(w)}][ios=${ios}][virtual ${(m.scheduler.now() / 1e6).toFixed(1)}ms][wall ${(wallNs / 1e9).toFixed(1)}s]`;
}

/**
 * `stackemu fio`: builds the stack, runs fio on it, prints fio's report with the `stackemu` section.
 * @returns exit status
 */
export async function fioCommand(io: CliIo, argv: readonly string[]): Promise<number> {
  const a = splitFioArgs(argv);
  const cfg = resolveStackArg(io, a.stack, a.sets, a.seed);
  let stopAfterNs: number | undefined;
  if (a.stopAfter !== undefined) {
    const us = checkStrTime(a.stopAfter, true);
    if (us === undefined || us <= 0)
      throw new UsageError(`stackemu: --stop-after ${a.stopAfter}: expected a time (10, 500ms, 2m)`);
    stopAfterNs = us * 1000;
  }
  // Parse first: bad or unsupported options fail before a machine is built.
  const inv = parseOptions(a.fioArgv, {
    env: io.env,
    keywords: { pagesize: 4096, mbMemory: 4096, ncpus: 2 },
    readFile: (p) => io.readFile(p),
  });
  if (inv.cmd.version || inv.cmd.parseOnly || inv.cmd.cmdhelp !== undefined || inv.cmd.help) {
    // Nothing to run: answer from the parsed options without building a machine.
    const r = await runFio(noMachineHost, { argv: a.fioArgv, env: io.env, readFile: (p) => io.readFile(p) });
    io.stdout(r.stdout);
    return r.exitCode;
  }
  const plugins: readonly Plugin[] = catalogue();
  const logger = createLogger({ level: io.env['STACKEMU_LOG'] ?? 'warn' });
  const w0 = io.clock.nowNs();
  const m = await createMachine(cfg, plugins, { logger });
  let trace: ChromeTrace | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  let live: readonly ThreadData[] = [];
  const progress = { printed: false };
  try {
    if (a.trace !== undefined) trace = new ChromeTrace(m);
    const host = machineFioHost(m);
    const map = await mapDevicePaths(host, inv);
    const wRun = io.clock.nowNs();
    if (io.isTTY) {
      timer = setInterval(() => {
        const ns = io.clock.nowNs() - wRun;
        if (ns < 1e9) return;
        progress.printed = true;
        io.stderr(`\r${progressLine(live, m, ns)}\x1b[K`);
      }, 250);
    }
    let r: FioRunResult;
    try {
      r = await runFio(host, {
        argv: a.fioArgv,
        env: io.env,
        readFile: (p) => io.readFile(p),
        timeMs: () => io.clock.epochMs(),
        mapFilename: map,
        ...(stopAfterNs !== undefined ? { stopAfterNs } : {}),
        onStart: (tds) => {
          live = tds;
        },
        extraReport: (rep) => {
          const wallNs = io.clock.nowNs() - wRun;
          const ios = live.reduce((s, t) => s + (t.ioBlocks[0] ?? 0) + (t.ioBlocks[1] ?? 0) + (t.ioBlocks[2] ?? 0), 0);
          return {
            stack: cfg.name ?? 'stack',
            seed: cfg.seed ?? 0,
            wall: {
              seconds: wallNs / 1e9,
              setup_seconds: (wRun - w0) / 1e9,
              ios,
              ios_per_sec: wallNs > 0 ? ios / (wallNs / 1e9) : 0,
              virtual_per_wall: wallNs > 0 ? rep.sim.virtual_ns / wallNs : 0,
            },
          };
        },
      });
    } finally {
      if (timer !== undefined) clearInterval(timer);
      if (progress.printed) io.stderr('\r\x1b[K');
    }
    if (r.stderr !== '') io.stderr(r.stderr);
    if (r.outputFile !== undefined) io.writeFile(r.outputFile.path, r.outputFile.text);
    else io.stdout(r.stdout);
    // fio writes its logs (write_bw_log, write_lat_log…) into the working directory
    for (const f of r.logFiles) io.writeFile(f.path, f.text);
    trace?.stop();
    if (trace !== undefined && a.trace !== undefined) io.writeFile(a.trace, trace.toJson(cfg.name ?? 'stack'));
    return r.exitCode;
  } finally {
    trace?.stop();
    await m.stop();
  }
}

/** A host for fio invocations that run nothing (`--parse-only`, `--version`, `--cmdhelp`). */
const noMachineHost: FioHost = {
  scheduler: new VirtualScheduler(),
  rng: createRng(0),
  keywords: { pagesize: 4096, mbMemory: 4096, ncpus: 2 },
  spawn: () => {
    throw new UsageError('stackemu: internal: --parse-only must not start processes');
  },
  vmstat: () => ({}),
  sanitizerFindings: () => [],
};

function stacksCommand(io: CliIo): number {
  for (const s of builtinStacks) {
    io.stdout(`${s.name.padEnd(12)} ${s.description}\n`);
    io.stdout(`${''.padEnd(12)} plugins: ${s.config.plugins.map((p) => p.name).join(', ')}\n`);
  }
  return 0;
}

function pluginsCommand(io: CliIo): number {
  for (const p of catalogue()) {
    io.stdout(`${p.name} ${p.version}${p.description !== undefined ? ` — ${p.description}` : ''}\n`);
    io.stdout(
      `  requires: ${p.requires.join(', ') || '-'}; provides: ${[...p.provides, ...(p.contributes ?? [])].join(', ') || '-'}\n`,
    );
    for (const [k, d] of Object.entries(p.params ?? {})) {
      const def = JSON.stringify(d.default) as string | undefined;
      io.stdout(
        `  ${k.padEnd(22)} ${d.type.padEnd(12)} default ${def === undefined ? '-' : def.length > 40 ? `${def.slice(0, 37)}...` : def}  ${d.help}\n`,
      );
    }
    for (const o of p.kconfig ?? []) io.stdout(`  ${o.name}\n`);
  }
  return 0;
}

/**
 * Runs the `stackemu` command line.
 * @param argv - arguments after `stackemu`
 * @param io - streams, files, environment, clock
 * @returns exit status (errors print one line to stderr and return non-zero)
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'fio':
        return await fioCommand(io, rest);
      case 'stacks':
        return stacksCommand(io);
      case 'plugins':
        return pluginsCommand(io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`stackemu: unknown command "${cmd}" (commands: fio, stacks, plugins)`);
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const line = msg.split('\n')[0] ?? msg;
    io.stderr(`${line.startsWith('fio:') || line.startsWith('stackemu') ? line : `stackemu: ${line}`}\n`);
    return 1;
  }
}

/** The process's {@link CliIo}. */
export function processIo(fs: {
  readFileSync(p: string, enc: 'utf8'): string;
  writeFileSync(p: string, d: string): void;
}): CliIo {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readFile: (p) => {
      try {
        return fs.readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    writeFile: (p, t) => {
      fs.writeFileSync(p, t);
    },
    env: process.env,
    isTTY: process.stderr.isTTY,
    clock: hostWallClock,
  };
}
