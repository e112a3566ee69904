import { expect } from 'chai';
import {
  FioError,
  FrandState,
  parseOptions,
  runFio,
  setupRandomSeeds,
  FIO_RAND_POISSON_OFF,
  TIMER_SLACK_NS,
  type FioRunResult,
} from '@stackemu/fio';
import { FakeKernel, SparseBytes } from './fake-kernel.js';

interface DdirJson {
  total_ios: number;
  runtime: number;
  iops: number;
}
interface JobJson {
  jobname: string;
  error: number;
  read: DdirJson;
  write: DdirJson;
  job_runtime: number;
}

async function fio(k: FakeKernel, ...argv: string[]): Promise<FioRunResult> {
  return runFio(k.host(), { argv: [...argv, '--output-format=json'], readFile: () => undefined, timeMs: () => 0 });
}

function jobs(r: FioRunResult): JobJson[] {
  return (JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { jobs: JobJson[] }).jobs;
}

/** A fake kernel with a 64 MiB file already there, so that read jobs start without laying it out. */
function kernelWithFile(name = '/f'): FakeKernel {
  const k = new FakeKernel();
  k.files.set(name, { data: new SparseBytes(), size: 64 << 20 });
  return k;
}

function gaps(starts: readonly number[]): number[] {
  return starts.slice(1).map((t, i) => t - (starts[i] as number));
}

describe('rate control (rate.ts)', () => {
  it('rate_iops=1000 over 1 s of virtual time issues ~1000 I/Os, one every millisecond', async () => {
    const k = kernelWithFile();
    k.starts = [];
    const r = await fio(k, '--name=t', '--filename=/f', '--rw=read', '--rate_iops=1000', '--time_based', '--runtime=1');
    const [j] = jobs(r);
    expect(j?.error).to.equal(0);
    expect(j?.read.total_ios).to.equal(1000);
    // each wait ends TIMER_SLACK_NS (50 µs) late, as a nanosleep() does, then the I/Os are 1 ms apart
    const g = gaps(k.starts);
    expect(g[0]).to.equal(1_000_000 + TIMER_SLACK_NS);
    expect(g.slice(1).every((x) => x === 1_000_000)).to.equal(true);
  });

  it('rate= is bytes per second: rate=4m with bs=16k is 256 IOPS', async () => {
    const k = kernelWithFile();
    const r = await fio(k, '--name=t', '--filename=/f', '--bs=16k', '--rate=4m', '--time_based', '--runtime=2');
    const [j] = jobs(r);
    expect(j?.read.total_ios).to.be.within(511, 514);
    expect(j?.read.iops).to.be.closeTo(256, 2);
  });

  it('rate_process=poisson: exponential inter-arrival times from fio generator, mean 1/rate', async () => {
    const k = kernelWithFile();
    k.starts = [];
    const r = await fio(
      k,
      '--name=t',
      '--filename=/f',
      '--rw=randread',
      '--rate_iops=500',
      '--rate_process=poisson',
      '--time_based',
      '--runtime=4',
    );
    const [j] = jobs(r);
    expect(j?.read.total_ios).to.be.within(1800, 2200);
    const g = gaps(k.starts).map((x) => x / 1000);
    const mean = g.reduce((a, b) => a + b, 0) / g.length;
    expect(mean).to.be.closeTo(2000, 150);
    const sd = Math.sqrt(g.reduce((a, b) => a + (b - mean) ** 2, 0) / (g.length - 1));
    expect(sd / mean).to.be.closeTo(1, 0.12);
    expect(g.filter((x) => x < mean).length / g.length).to.be.closeTo(1 - Math.exp(-1), 0.04);
    // Exactly fio's draws: (1000000 / iops) * -logf(rand_0_1(poisson_state[READ])), issued when due (after a
    // sleep that ends TIMER_SLACK_NS late), or when the previous (10 µs) I/O completes if that is later.
    const st = new FrandState(setupRandomSeeds(0x89n, 1)[FIO_RAND_POISSON_OFF] as bigint);
    let due = 0;
    const t0 = k.starts[0] as number;
    let prev = t0;
    for (let i = 1; i < 50; i++) {
      const u = st.rand01();
      due += Math.trunc(Math.fround(Math.fround(2000) * -Math.fround(Math.log(Math.fround(u)))));
      const done = prev + k.latencyNs;
      const want = t0 + due * 1000 > done ? t0 + due * 1000 + TIMER_SLACK_NS : done;
      expect(k.starts[i]).to.equal(want);
      prev = want;
    }
  });

  it('is deterministic: the same job and seed issue at the same times', async () => {
    const run = async (): Promise<number[]> => {
      const k = kernelWithFile();
      k.starts = [];
      await fio(
        k,
        '--name=t',
        '--filename=/f',
        '--rate_iops=300',
        '--rate_process=poisson',
        '--time_based',
        '--runtime=1',
      );
      return k.starts;
    };
    expect(await run()).to.deep.equal(await run());
  });

  it('a mixed job keeps each direction at its own rate', async () => {
    const k = kernelWithFile();
    const r = await fio(
      k,
      '--name=t',
      '--filename=/f',
      '--rw=randrw',
      '--rate_iops=200,100',
      '--time_based',
      '--runtime=2',
    );
    const [j] = jobs(r);
    expect(j?.read.total_ios).to.be.within(395, 405);
    expect(j?.write.total_ios).to.be.within(195, 205);
  });

  it('rate_iops_min that is not met fails the job with EIO after the settling time', async () => {
    const k = kernelWithFile();
    k.latencyNs = 2_000_000; // 500 IOPS at most
    const r = await fio(k, '--name=t', '--filename=/f', '--rate_iops_min=1000', '--time_based', '--runtime=10');
    const [j] = jobs(r);
    expect(j?.error).to.equal(5);
    expect(r.exitCode).to.equal(1);
    // checked after 2 s of settling, then once per rate_cycle (1 s)
    expect(j?.job_runtime).to.be.within(2900, 3100);
    expect(r.stdout).to.not.equal('');
  });

  it('a met rate_min does not fail the job', async () => {
    const k = kernelWithFile();
    const r = await fio(k, '--name=t', '--filename=/f', '--rate=4m', '--rate_min=2m', '--time_based', '--runtime=4');
    expect(jobs(r)[0]?.error).to.equal(0);
  });

  it('refuses what fio refuses: rate with rate_iops, a minimum above the rate', () => {
    const ctx = { env: {}, keywords: { pagesize: 4096, mbMemory: 1024, ncpus: 2 }, readFile: () => undefined };
    expect(() => parseOptions(['--name=a', '--rate=1m', '--rate_iops=10'], ctx)).to.throw(
      FioError,
      /rate and rate_iops are mutually exclusive/,
    );
    expect(() => parseOptions(['--name=a', '--rate_iops=10', '--rate_iops_min=20'], ctx)).to.throw(
      FioError,
      /minimum rate exceeds rate, ddir 0/,
    );
    const o = parseOptions(['--name=a', '--rate=1m,2k', '--rate_process=poisson', '--ratecycle=250'], ctx).jobs.jobs[0]
      ?.o;
    expect(o?.rate).to.deep.equal([1048576, 2048, 2048]);
    expect(o?.rateProcess).to.equal('poisson');
    expect(o?.rateCycle).to.equal(250);
  });
});
