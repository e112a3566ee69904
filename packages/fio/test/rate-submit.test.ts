import { expect } from 'chai';
import { runFio, type FioRunResult } from '@stackemu/fio';
import { FakeKernel, SparseBytes } from './fake-kernel.js';

interface JobJson {
  error: number;
  read: { total_ios: number; slat_ns: { N: number }; clat_ns: { N: number; mean: number } };
  iodepth_level: Record<string, number>;
}

async function fio(k: FakeKernel, ...argv: string[]): Promise<FioRunResult> {
  return runFio(k.host(), { argv: [...argv, '--output-format=json'], readFile: () => undefined, timeMs: () => 0 });
}

function job(r: FioRunResult): JobJson {
  return (JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { jobs: JobJson[] }).jobs[0] as JobJson;
}

function kernelWithFile(latencyNs: number): FakeKernel {
  const k = new FakeKernel();
  k.files.set('/f', { data: new SparseBytes(), size: 64 << 20 });
  k.latencyNs = latencyNs;
  k.starts = [];
  return k;
}

const rated = ['--name=t', '--filename=/f', '--direct=1', '--rate_iops=1000', '--time_based', '--runtime=1'];

describe('io_submit_mode=offload (rate-submit.ts, workqueue.ts)', () => {
  it('keeps a fixed submission rate when the device is slower than the rate', async () => {
    // 10 ms per I/O: inline submission quiesces (waits 10 ms) before each rate wait, then bursts the I/Os it
    // fell behind by: the right number of I/Os, but in clumps every ~11 ms
    const inline = kernelWithFile(10_000_000);
    const a = job(await fio(inline, ...rated, '--ioengine=libaio', '--iodepth=32'));
    expect(a.read.total_ios).to.be.within(900, 1002);
    const si = inline.starts ?? [];
    expect(new Set(si).size).to.be.within(85, 95);
    // offloaded, the job thread only waits for the rate and the workers keep ~10 I/Os in flight
    const off = kernelWithFile(10_000_000);
    const b = job(await fio(off, ...rated, '--ioengine=libaio', '--iodepth=32', '--io_submit_mode=offload'));
    expect(b.error).to.equal(0);
    expect(b.read.total_ios).to.be.within(985, 1002);
    const starts = off.starts ?? [];
    const g = starts.slice(1).map((t, i) => t - (starts[i] as number));
    expect(g.slice(1).every((x) => x === 1_000_000)).to.equal(true);
    // every I/O is accounted into the job: latencies, submissions, and the workers' depth (1 each)
    expect(b.read.clat_ns.N).to.equal(b.read.total_ios);
    expect(b.read.slat_ns.N).to.equal(b.read.total_ios);
    expect(b.read.clat_ns.mean).to.be.closeTo(10_000_000, 1000);
    expect(b.iodepth_level['1']).to.equal(100);
  });

  it('offloads a sync engine to iodepth workers', async () => {
    const k = kernelWithFile(10_000_000);
    const r = job(
      await fio(
        k,
        ...rated.slice(0, 3),
        '--rate_iops=400',
        '--time_based',
        '--runtime=1',
        '--iodepth=4',
        '--io_submit_mode=offload',
      ),
    );
    // 4 workers of 100 IOPS each
    expect(r.read.total_ios).to.be.within(390, 402);
    const inline = job(
      await fio(kernelWithFile(10_000_000), ...rated.slice(0, 3), '--rate_iops=400', '--time_based', '--runtime=1'),
    );
    expect(inline.read.total_ios).to.be.within(95, 102);
  });

  it('a rate-free offloaded job moves the same bytes as an inline one', async () => {
    const a = kernelWithFile(50_000);
    const ra = job(await fio(a, '--name=t', '--filename=/f', '--size=1m', '--ioengine=libaio', '--iodepth=8'));
    const b = kernelWithFile(50_000);
    const rb = job(
      await fio(
        b,
        '--name=t',
        '--filename=/f',
        '--size=1m',
        '--ioengine=libaio',
        '--iodepth=8',
        '--io_submit_mode=offload',
      ),
    );
    expect(rb.error).to.equal(0);
    expect(rb.read.total_ios).to.equal(ra.read.total_ios);
    expect(b.stats.bytesRead).to.equal(a.stats.bytesRead);
  });

  it('io_uring cannot be offloaded: the workqueue fails and the job ends with ESRCH, as in fio 3.33', async () => {
    const k = kernelWithFile(10_000);
    const r = await runFio(k.host(), {
      argv: ['--name=t', '--filename=/f', '--size=1m', '--ioengine=io_uring', '--io_submit_mode=offload'],
      readFile: () => undefined,
      timeMs: () => 0,
    });
    expect(r.exitCode).to.equal(1);
    expect(r.stdout).to.include("io_uring: can't be used with offloaded submit. Use a sync engine");
    expect(r.stdout).to.include("Can't create rate workqueue");
    expect(r.stdout).to.match(/err=3\/func=workqueue_init/);
  });

  it('is deterministic for a seed', async () => {
    const run = async (): Promise<string> => {
      const k = kernelWithFile(3_000_000);
      const r = await fio(
        k,
        '--name=t',
        '--filename=/f',
        '--rw=randread',
        '--ioengine=libaio',
        '--iodepth=16',
        '--io_submit_mode=offload',
        '--rate_iops=2000',
        '--rate_process=poisson',
        '--time_based',
        '--runtime=1',
      );
      return JSON.stringify(job(r)) + JSON.stringify(k.starts);
    };
    expect(await run()).to.equal(await run());
  });
});
