import { expect } from 'chai';
import { runFio } from '@stackemu/fio';
import { FakeKernel } from './fake-kernel.js';

async function fio(k: FakeKernel, ...argv: string[]): Promise<Awaited<ReturnType<typeof runFio>>> {
  return runFio(k.host(), { argv, readFile: () => undefined, timeMs: () => 0 });
}

function json(out: string): {
  jobs: { read: { io_kbytes: number; total_ios: number }; write: { io_kbytes: number; total_ios: number } }[];
} {
  return JSON.parse(out.slice(out.indexOf('{'))) as never;
}

describe('runFio()', () => {
  it('runs a psync randread job and reports fio JSON', async () => {
    const k = new FakeKernel();
    const r = await fio(k, '--name=t', '--rw=randread', '--bs=4k', '--size=1m', '--output-format=json');
    const j = json(r.stdout);
    expect(r.exitCode).to.equal(0);
    expect(j.jobs[0]?.read.io_kbytes).to.equal(1024);
    expect(j.jobs[0]?.read.total_ios).to.equal(256);
  });
});
