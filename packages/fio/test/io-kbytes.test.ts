import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { runFio } from '@stackemu/fio';
import { FakeKernel } from './fake-kernel.js';

interface Fixture {
  readonly args: string;
  readonly jobs: {
    read_kib: number;
    write_kib: number;
    read_ios: number;
    write_ios: number;
    sync_ios: number;
    error: number;
  }[];
}

interface JsonJob {
  read: { io_kbytes: number; total_ios: number };
  write: { io_kbytes: number; total_ios: number };
  sync: { total_ios: number };
  error: number;
}

/** Real fio 3.33 results on this machine, recorded by test/fixtures/README (psync, buffered, files in a fresh directory). */
const fixtures = JSON.parse(
  readFileSync(new URL('../test/fixtures/real-fio-io-kbytes.json', import.meta.url), 'utf8'),
) as Fixture[];

describe('io_kbytes and total_ios match the real fio', () => {
  for (const f of fixtures) {
    it(f.args, async () => {
      const k = new FakeKernel();
      k.latencyNs = 1000;
      const r = await runFio(k.host(), {
        argv: ['--name=job', '--output-format=json', '--directory=/w', ...f.args.split(' ')],
        readFile: () => undefined,
        timeMs: () => 0,
      });
      const j = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { jobs: JsonJob[] };
      const got = j.jobs.map((x) => ({
        read_kib: x.read.io_kbytes,
        write_kib: x.write.io_kbytes,
        read_ios: x.read.total_ios,
        write_ios: x.write.total_ios,
        sync_ios: x.sync.total_ios,
        error: x.error,
      }));
      expect(got).to.deep.equal(f.jobs);
    });
  }
});
