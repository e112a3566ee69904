import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { main, type CliIo } from '@stackemu/cli';
import { readFileSync } from 'node:fs';

/**
 * Every job file of fio's examples (../shared/fio-examples) on the default stack, with what happens to it:
 * - `runs`: runs here as given (device paths mapped to the scratch namespace), stopped at a virtual time as fio
 *   stops on Ctrl-C (`--stop-after`), so the test stays short;
 * - `layout`: runs as given, but first lays out GiBs of data (10 GiB for most): here it is stopped by the Ctrl-C
 *   while laying out (at `stop`), which must end cleanly with memory bounded by what was written; the full runs,
 *   past the layout and into the I/O, take minutes each and are measured by `packages/cli/bench/fio-examples.bench.ts`
 *   (figures in docs/measurements/fio-examples.md);
 * - `unsupported: <option>`: fails before anything runs, naming the option.
 */
const RECORD: Readonly<
  Record<string, { readonly kind: 'runs' | 'layout' | 'unsupported'; readonly detail: string; readonly stop?: string }>
> = {
  'aio-read.fio': { kind: 'layout', detail: '4 files of 512 MiB laid out first', stop: '60ms' },
  'backwards-read.fio': { kind: 'runs', detail: '' },
  'basic-verify.fio': { kind: 'runs', detail: '20ms' },
  'fio-rand-RW.fio': { kind: 'layout', detail: '10 GiB file, time_based 900 s', stop: '60ms' },
  'fio-rand-read.fio': { kind: 'layout', detail: '10 GiB file, time_based 900 s', stop: '60ms' },
  'fio-rand-write.fio': { kind: 'runs', detail: '1ms' },
  'fio-seq-RW.fio': { kind: 'layout', detail: '10 GiB file, time_based 900 s', stop: '60ms' },
  'fio-seq-read.fio': { kind: 'layout', detail: '10 GiB file, time_based 900 s', stop: '60ms' },
  'fio-seq-write.fio': { kind: 'runs', detail: '1ms' },
  'fixed-rate-submission.fio': { kind: 'runs', detail: '200ms' },
  'iometer-file-access-server.fio': { kind: 'layout', detail: '4 GiB file laid out first', stop: '60ms' },
  'latency-profile.fio': { kind: 'runs', detail: '20ms' },
  'null.fio': { kind: 'runs', detail: '20ms' },
  'poisson-rate-submission.fio': { kind: 'runs', detail: '200ms' },
  'ssd-steadystate.fio': { kind: 'runs', detail: '20ms' },
  'ssd-test.fio': { kind: 'layout', detail: '10 GiB file laid out first', stop: '60ms' },
  'steadystate.fio': { kind: 'runs', detail: '20ms' },
  'surface-scan.fio': { kind: 'runs', detail: '20ms' },
};

const dir = fileURLToPath(new URL('../../../../shared/fio-examples/', import.meta.url));

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
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
    clock: { nowNs: () => 0, epochMs: () => 0 },
  };
}

interface Job {
  error: number;
  read: { io_bytes: number };
  write: { io_bytes: number };
}

describe('fio examples on the default stack', function () {
  this.timeout(180_000);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.fio'))
    .sort();
  it('every example is recorded', () => {
    expect(files).to.deep.equal(Object.keys(RECORD).sort());
  });
  for (const f of files) {
    const rec = RECORD[f] ?? { kind: 'runs', detail: '' };
    if (rec.kind === 'unsupported') {
      it(`${f}: unsupported option ${rec.detail}, named before anything runs`, async () => {
        const s = io();
        expect(await main(['fio', '--parse-only', dir + f], s)).to.equal(1);
        expect(s.err.join('')).to.match(
          new RegExp(`^fio: option '${rec.detail}' is not supported by stackemu: .+\\n$`),
        );
      });
    } else if (rec.kind === 'layout') {
      it(`${f}: lays out its file as given (${rec.detail}); Ctrl-C at ${rec.stop ?? ''} virtual ends it cleanly`, async () => {
        const s = io();
        const code = await main(['fio', '--stop-after', rec.stop ?? '60ms', '--output-format=json', dir + f], s);
        expect(s.err.join(''), 'stderr').to.equal('');
        expect(code).to.equal(0);
        const text = s.out.join('');
        const j = JSON.parse(text.slice(text.indexOf('{'))) as {
          jobs: Job[];
          stackemu: { vmstat: Record<string, number>; sanitizer: { count: number } };
        };
        for (const job of j.jobs) expect(job.error).to.equal(0);
        const vm = j.stackemu.vmstat;
        // The layout wrote through the page cache (buffered), and the page cache never held more than memory.
        expect(vm['nr_dirtied'], 'pages laid out').to.be.above(1000);
        expect(vm['nr_file_pages'] ?? 0).to.be.at.most(4 * 2 ** 18);
        expect(j.stackemu.sanitizer.count).to.equal(0);
      });
    } else {
      it(`${f}: runs${rec.detail !== '' ? ` (stopped at ${rec.detail} virtual)` : ''}`, async () => {
        const s = io();
        const stop = rec.detail !== '' ? ['--stop-after', rec.detail] : [];
        const code = await main(['fio', ...stop, '--output-format=json', dir + f], s);
        expect(s.err.join(''), 'stderr').to.equal('');
        expect(code).to.equal(0);
        const text = s.out.join('');
        const j = JSON.parse(text.slice(text.indexOf('{'))) as {
          jobs: Job[];
          stackemu: { sanitizer: { count: number } };
        };
        expect(j.jobs.length).to.be.greaterThan(0);
        for (const job of j.jobs) expect(job.error).to.equal(0);
        expect(j.jobs.some((x) => x.read.io_bytes + x.write.io_bytes > 0)).to.equal(true);
        expect(j.stackemu.sanitizer.count).to.equal(0);
      });
    }
  }
});
