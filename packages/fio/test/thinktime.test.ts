import { expect } from 'chai';
import { runFio, TIMER_SLACK_NS, type FioRunResult } from '@stackemu/fio';
import { FakeKernel, SparseBytes } from './fake-kernel.js';

interface JobJson {
  error: number;
  read: { total_ios: number };
  job_runtime: number;
}

async function fio(k: FakeKernel, ...argv: string[]): Promise<FioRunResult> {
  return runFio(k.host(), { argv: [...argv, '--output-format=json'], readFile: () => undefined, timeMs: () => 0 });
}

function job(r: FioRunResult): JobJson {
  return (JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { jobs: JobJson[] }).jobs[0] as JobJson;
}

function kernelWithFile(): FakeKernel {
  const k = new FakeKernel();
  k.files.set('/f', { data: new SparseBytes(), size: 64 << 20 });
  k.starts = [];
  return k;
}

function gaps(starts: readonly number[] | undefined): number[] {
  if (starts === undefined) return [];
  return starts.slice(1).map((t, i) => t - (starts[i] as number));
}

describe('think time (thinktime.ts)', () => {
  it('pauses thinktime after every thinktime_blocks completed I/Os', async () => {
    const k = kernelWithFile();
    const r = await fio(k, '--name=t', '--filename=/f', '--size=64k', '--thinktime=1ms', '--thinktime_blocks=4');
    expect(job(r).read.total_ios).to.equal(16);
    // 10 µs per I/O; after the 4th, 8th, 12th (and 16th) completion a 1 ms pause (a nanosleep, 50 µs late)
    expect(gaps(k.starts)).to.deep.equal(
      [0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0].map((p) => 10_000 + p * (1_000_000 + TIMER_SLACK_NS)),
    );
  });

  it('thinktime_spin is part of the think time, not added to it', async () => {
    const a = kernelWithFile();
    await fio(a, '--name=t', '--filename=/f', '--size=64k', '--thinktime=1ms', '--thinktime_blocks=4');
    const b = kernelWithFile();
    await fio(
      b,
      '--name=t',
      '--filename=/f',
      '--size=64k',
      '--thinktime=1ms',
      '--thinktime_spin=400us',
      '--thinktime_blocks=4',
    );
    expect(b.starts).to.deep.equal(a.starts);
    // a spin longer than the think time is cut to it (fixup_options); spinning ends on time, a sleep does not
    const c = kernelWithFile();
    await fio(
      c,
      '--name=t',
      '--filename=/f',
      '--size=64k',
      '--thinktime=1ms',
      '--thinktime_spin=5ms',
      '--thinktime_blocks=4',
    );
    expect(gaps(c.starts)[3]).to.equal(1_010_000);
  });

  it('thinktime_iotime thinks once that much I/O time has passed', async () => {
    const k = kernelWithFile();
    k.latencyNs = 100_000;
    const r = await fio(
      k,
      '--name=t',
      '--filename=/f',
      '--thinktime=50ms',
      '--thinktime_iotime=100ms',
      '--time_based',
      '--runtime=1',
    );
    const long = gaps(k.starts).filter((g) => g > 1_000_000);
    // 150 ms cycles (100 ms of I/O, 50 ms of thinking) in a second
    expect(long.length).to.be.within(6, 7);
    expect(job(r).read.total_ios).to.be.within(6500, 7100);
  });

  it('thinktime_blocks_type=issue counts issued I/Os', async () => {
    const issue = kernelWithFile();
    await fio(
      issue,
      '--name=t',
      '--filename=/f',
      '--size=64k',
      '--ioengine=libaio',
      '--iodepth=4',
      '--thinktime=1ms',
      '--thinktime_blocks=2',
      '--thinktime_blocks_type=issue',
    );
    const complete = kernelWithFile();
    await fio(
      complete,
      '--name=t',
      '--filename=/f',
      '--size=64k',
      '--ioengine=libaio',
      '--iodepth=4',
      '--thinktime=1ms',
      '--thinktime_blocks=2',
    );
    const pauses = (k: FakeKernel): number => gaps(k.starts).filter((g) => g >= 1_000_000).length;
    // counting at issue, the first think comes after 2 I/Os are issued (before any completes)
    expect(pauses(issue)).to.equal(7);
    const s = issue.starts ?? [];
    // ... then quiesces (the two complete after 10 µs) and sleeps 1 ms
    expect(s.slice(0, 3).map((t) => t - (s[0] as number))).to.deep.equal([0, 0, 1_010_000 + TIMER_SLACK_NS]);
    expect(pauses(complete)).to.be.greaterThan(0);
    expect(complete.starts).to.not.deep.equal(issue.starts);
  });

  it('rate_ignore_thinktime: the rate does not catch up after a pause', async () => {
    const run = async (ignore: boolean): Promise<number> => {
      const k = kernelWithFile();
      const r = await fio(
        k,
        '--name=t',
        '--filename=/f',
        '--rate_iops=1000',
        '--thinktime=100ms',
        '--thinktime_blocks=100',
        `--rate_ignore_thinktime=${ignore ? 1 : 0}`,
        '--time_based',
        '--runtime=1',
      );
      return job(r).read.total_ios;
    };
    // without: after each pause the job bursts the 100 I/Os it is behind by (and thinks again after them),
    // so it gets ~100 I/Os per 101 ms
    expect(await run(false)).to.be.within(880, 920);
    // with: each pause is credited to the rate, so it costs its 100 I/Os: ~100 I/Os per 200 ms
    expect(await run(true)).to.be.within(480, 560);
  });
});
