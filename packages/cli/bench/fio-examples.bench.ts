/**
 * The fio examples (../shared/fio-examples) that lay out GiBs before their I/O, run on the default stack with the
 * sizes they give, past the layout and into the I/O: each in its own Node process, stopped by a simulated Ctrl-C
 * at the virtual time below (the examples are time-based for 5–15 minutes). Prints per example: wall seconds, peak
 * RSS, virtual time, bytes moved and pages pinned, so memory can be checked against the data touched. The test
 * (packages/cli/test/examples.test.ts) runs every example too, stopping these during their layout.
 * Run: node packages/cli/dist-bench/fio-examples.bench.js [example.fio…] (default: the ones listed below; takes
 * minutes each)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main, type CliIo } from '@stackemu/cli';

const dir = fileURLToPath(new URL('../../../../shared/fio-examples/', import.meta.url));

/**
 * Virtual stop time per example: past the layout (10 GiB is written at the modelled SSD's sustained program rate,
 * ~640 MB/s, so reads after it wait up to ~17 s) plus a little I/O.
 */
const STOP: Readonly<Record<string, string>> = {
  'aio-read.fio': '4s',
  'fio-rand-RW.fio': '18s',
  'fio-rand-read.fio': '18s',
  'fio-seq-RW.fio': '18s',
  'fio-seq-read.fio': '18s',
  'iometer-file-access-server.fio': '8s',
  'ssd-test.fio': '18s',
};

interface Row {
  example: string;
  code: number;
  wallS: number;
  maxRssGiB: number;
  virtualS: number;
  readMiB: number;
  writeMiB: number;
  pins: number;
  error: string;
}

async function child(name: string): Promise<void> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    readFile: (p) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    writeFile: () => undefined,
    env: { STACKEMU_LOG: 'silent' },
    isTTY: false,
    clock: { nowNs: () => Number(process.hrtime.bigint()), epochMs: () => 0 },
  };
  const t0 = process.hrtime.bigint();
  const stop = STOP[name] ?? '200ms';
  const code = await main(['fio', '--stop-after', stop, '--output-format=json', dir + name], io);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const text = out.join('');
  const row: Row = {
    example: name,
    code,
    wallS,
    maxRssGiB: process.resourceUsage().maxRSS / 2 ** 20,
    virtualS: 0,
    readMiB: 0,
    writeMiB: 0,
    pins: 0,
    error: err.join('').trim().split('\n')[0] ?? '',
  };
  if (text.includes('{')) {
    const j = JSON.parse(text.slice(text.indexOf('{'))) as {
      jobs: { read: { io_bytes: number }; write: { io_bytes: number } }[];
      stackemu: { vmstat: Record<string, number>; sim: { virtual_ns: number } };
    };
    row.virtualS = j.stackemu.sim.virtual_ns / 1e9;
    for (const x of j.jobs) {
      row.readMiB += x.read.io_bytes / 2 ** 20;
      row.writeMiB += x.write.io_bytes / 2 ** 20;
    }
    row.pins = j.stackemu.vmstat['nr_foll_pin_acquired'] ?? 0;
  }
  process.stdout.write(JSON.stringify(row) + '\n');
}

if (process.env['STACKEMU_EXAMPLE'] !== undefined) {
  await child(process.env['STACKEMU_EXAMPLE']);
} else {
  const all = readdirSync(dir).filter((f) => f.endsWith('.fio'));
  const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : all.filter((f) => f in STOP).sort();
  process.stdout.write(
    'example                          exit   wall s  peak RSS GiB  virtual s  read MiB  write MiB     pins\n',
  );
  for (const name of names) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, STACKEMU_EXAMPLE: name },
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    let row: Row | undefined;
    try {
      row = JSON.parse(line) as Row;
    } catch {
      row = undefined;
    }
    if (row === undefined) {
      process.stdout.write(`${name.padEnd(32)} crashed: ${(r.stderr || '').trim().split('\n').slice(-1)[0] ?? ''}\n`);
      continue;
    }
    process.stdout.write(
      `${name.padEnd(32)} ${String(row.code).padStart(4)} ${row.wallS.toFixed(1).padStart(8)} ${row.maxRssGiB.toFixed(2).padStart(13)} ${row.virtualS.toFixed(2).padStart(10)} ${row.readMiB.toFixed(0).padStart(9)} ${row.writeMiB.toFixed(0).padStart(10)} ${String(row.pins).padStart(8)}${row.error !== '' ? `  ${row.error}` : ''}\n`,
    );
  }
}
