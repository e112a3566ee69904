import { expect } from 'chai';
import { runFio, type FioRunResult } from '@stackemu/fio';
import { FakeKernel, SparseBytes } from './fake-kernel.js';

interface JobJson {
  error: number;
  read: { total_ios: number; runtime: number; clat_ns: { mean: number; max: number } };
  iodepth_level: Record<string, number>;
  latency_depth: number;
  latency_target: number;
  latency_percentile: number;
  latency_window: number;
}

async function fio(k: FakeKernel, ...argv: string[]): Promise<FioRunResult> {
  return runFio(k.host(), { argv, readFile: () => undefined, timeMs: () => 0 });
}

function job(r: FioRunResult): JobJson {
  const start = r.stdout.indexOf('{');
  // with json,normal the JSON object comes first
  const end = r.stdout.indexOf('\n}\n', start);
  return (JSON.parse(r.stdout.slice(start, end < 0 ? undefined : end + 2)) as { jobs: JobJson[] }).jobs[0] as JobJson;
}

/** A device whose latency grows with its queue: 100 µs per I/O in flight. */
function queueingKernel(): FakeKernel {
  const k = new FakeKernel();
  k.files.set('/f', { data: new SparseBytes(), size: 64 << 20 });
  k.latencyFor = (inflight) => inflight * 100_000;
  return k;
}

const profile = [
  '--name=t',
  '--filename=/f',
  '--rw=randread',
  '--ioengine=libaio',
  '--iodepth=32',
  '--latency_target=450us',
  '--latency_window=50ms',
  '--time_based',
  '--runtime=30',
];

describe('latency target (lat-target.ts)', () => {
  it('finds the deepest queue that meets the target, runs one window there and ends', async () => {
    const k = queueingKernel();
    const r = await fio(k, ...profile, '--latency_percentile=99', '--output-format=json,normal');
    const j = job(r);
    expect(j.error).to.equal(0);
    // QD 1, 2, 4 meet 450 µs; 8 does not (800 µs); bisecting gives 4, and the final window runs at 4
    expect(j.latency_depth).to.equal(4);
    expect(j.latency_target).to.equal(450_000);
    expect(j.latency_window).to.equal(50_000);
    expect(j.latency_percentile).to.equal(99);
    // the statistics are those of the final window only
    expect(j.read.runtime).to.be.within(50, 52);
    expect(j.read.clat_ns.max).to.equal(400_000);
    expect(j.iodepth_level['4']).to.be.above(99);
    expect(r.stdout).to.include('     latency   : target=450000, window=50000, percentile=99.00%, depth=4\n');
  });

  it('latency_run keeps adjusting the depth until the runtime ends', async () => {
    const k = queueingKernel();
    const j = job(
      await fio(
        k,
        ...profile.slice(0, -1),
        '--runtime=1',
        '--latency_percentile=99',
        '--latency_run=1',
        '--output-format=json',
      ),
    );
    expect(j.error).to.equal(0);
    expect(j.read.runtime).to.be.within(999, 1001);
    expect(j.latency_depth).to.be.within(4, 5);
  });

  it('with latency_percentile=100 one late I/O at QD 1 fails the job with ETIMEDOUT', async () => {
    const k = queueingKernel();
    k.latencyFor = () => 1_000_000;
    const r = await fio(k, ...profile, '--output-format=json');
    const j = job(r);
    expect(j.error).to.equal(110);
    expect(r.exitCode).to.equal(1);
    expect(j.read.total_ios).to.equal(1);
  });

  it('max_latency fails the job on the first I/O slower than it', async () => {
    const k = queueingKernel();
    k.starts = [];
    k.latencyFor = () => ((k.starts?.length ?? 0) === 10 ? 2_000_000 : 100_000);
    const j = job(await fio(k, '--name=t', '--filename=/f', '--max_latency=1ms', '--size=1m', '--output-format=json'));
    expect(j.error).to.equal(110);
    expect(j.read.total_ios).to.equal(10);
  });

  it('without a target the reported depth is iodepth', async () => {
    const k = queueingKernel();
    const j = job(
      await fio(
        k,
        '--name=t',
        '--filename=/f',
        '--ioengine=libaio',
        '--iodepth=8',
        '--size=64k',
        '--output-format=json',
      ),
    );
    expect(j.latency_depth).to.equal(8);
    expect(j.latency_target).to.equal(0);
    expect(j.latency_percentile).to.equal(100);
  });
});
