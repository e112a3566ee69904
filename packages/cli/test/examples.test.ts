import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { main, type CliIo } from '@stackemu/cli';
import { readFileSync } from 'node:fs';

/**
 * Every job file of fio's examples (../shared/fio-examples) on the default stack, with what happens to it:
 * - `runs`: run here as given (device paths mapped to the scratch namespace), optionally stopped at a
 *   virtual time as fio stops on Ctrl-C, so the test stays short;
 * - `large`: parses, but lays out GiBs of data before any I/O (memory grows with the
 *   data touched), too much for a unit test, so it is only parsed here;
 * - `unsupported: <option>`: fails before anything runs, naming the option.
 */
const RECORD: Readonly<Record<string, { readonly kind: 'runs' | 'large' | 'unsupported'; readonly detail: string }>> = {
  'aio-read.fio': { kind: 'large', detail: '4 files of 512 MiB laid out first' },
  'backwards-read.fio': { kind: 'runs', detail: '' },
  'basic-verify.fio': { kind: 'runs', detail: '20ms' },
  'fio-rand-RW.fio': { kind: 'large', detail: '10 GiB file, time_based 900 s' },
  'fio-rand-read.fio': { kind: 'large', detail: '10 GiB file, time_based 900 s' },
  'fio-rand-write.fio': { kind: 'large', detail: '10 GiB file, time_based 900 s' },
  'fio-seq-RW.fio': { kind: 'large', detail: '10 GiB file, time_based 900 s' },
  'fio-seq-read.fio': { kind: 'large', detail: '10 GiB file, time_based 900 s' },
  'fio-seq-write.fio': { kind: 'large', detail: '10 GiB file, time_based 900 s' },
  'fixed-rate-submission.fio': { kind: 'unsupported', detail: 'io_submit_mode' },
  'iometer-file-access-server.fio': { kind: 'large', detail: '4 GiB file laid out first' },
  'latency-profile.fio': { kind: 'unsupported', detail: 'latency_target' },
  'null.fio': { kind: 'runs', detail: '20ms' },
  'poisson-rate-submission.fio': { kind: 'unsupported', detail: 'io_submit_mode' },
  'ssd-steadystate.fio': { kind: 'unsupported', detail: 'write_bw_log' },
  'ssd-test.fio': { kind: 'large', detail: '10 GiB file laid out first' },
  'steadystate.fio': { kind: 'unsupported', detail: 'steadystate' },
  'surface-scan.fio': { kind: 'unsupported', detail: 'verify' },
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
  this.timeout(60_000);
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
    } else if (rec.kind === 'large') {
      it(`${f}: parses; not run in this test (${rec.detail})`, async () => {
        const s = io();
        expect(await main(['fio', '--parse-only', dir + f], s)).to.equal(0);
        expect(s.err).to.deep.equal([]);
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
