import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { runFio } from '@stackemu/fio';
import { FakeKernel } from './fake-kernel.js';

interface Fixture {
  readonly args: string;
  /** Per job, per I/O in issue order: [ddir, bs, offset]. */
  readonly jobs: [number, number, number][][];
}

/** Real fio 3.33 sequences on this machine, recorded by test/fixtures/record-real-fio-offsets.py. */
const fixtures = JSON.parse(
  readFileSync(new URL('../test/fixtures/real-fio-offsets.json', import.meta.url), 'utf8'),
) as Fixture[];

describe('every I/O (direction, block size, offset) matches the real fio for the same seeds', () => {
  for (const f of fixtures) {
    it(f.args, async () => {
      const k = new FakeKernel();
      k.latencyNs = 1000;
      const r = await runFio(k.host(), {
        argv: [
          '--name=job',
          '--ioengine=psync',
          '--write_lat_log=x',
          '--log_offset=1',
          '--output-format=json',
          '--directory=/w',
          ...f.args.split(' '),
        ],
        readFile: () => undefined,
        timeMs: () => 0,
      });
      expect(r.exitCode).to.equal(0);
      const got = f.jobs.map((_j, n) => {
        const log = r.logFiles.find((x) => x.path === `x_clat.${n + 1}.log`);
        if (log === undefined) throw new Error(`no x_clat.${n + 1}.log in ${r.logFiles.map((x) => x.path).join(', ')}`);
        return log.text
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => {
            const c = l.split(',').map((x) => Number(x.trim()));
            return [c[2], c[3], c[4]];
          });
      });
      expect(got.map((j) => j.length)).to.deep.equal(f.jobs.map((j) => j.length));
      expect(got).to.deep.equal(f.jobs);
    });
  }
});
