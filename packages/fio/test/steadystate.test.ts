import { expect } from 'chai';
import { FioError, parseOptions, runFio, type FioRunResult } from '@stackemu/fio';
import { FakeKernel, SparseBytes } from './fake-kernel.js';

interface SsJson {
  ss: string;
  duration: number;
  attained: number;
  criterion: string;
  max_deviation: number;
  slope: number;
  data: { bw_mean: number; iops_mean: number; iops: number[]; bw: number[] };
}
interface JobJson {
  jobname: string;
  error: number;
  read: { total_ios: number };
  job_runtime: number;
  steadystate?: SsJson;
}

async function fio(k: FakeKernel, ...argv: string[]): Promise<FioRunResult> {
  return runFio(k.host(), { argv, readFile: () => undefined, timeMs: () => 0 });
}

function jobs(r: FioRunResult): JobJson[] {
  const start = r.stdout.indexOf('{');
  // with json,normal the JSON object comes first
  const end = r.stdout.indexOf('\n}\n', start);
  return (JSON.parse(r.stdout.slice(start, end < 0 ? undefined : end + 2)) as { jobs: JobJson[] }).jobs;
}

function kernelWithFile(): FakeKernel {
  const k = new FakeKernel();
  k.files.set('/f', { data: new SparseBytes(), size: 64 << 20 });
  k.latencyNs = 100_000; // 10000 IOPS at QD 1
  return k;
}

const steady = ['--name=t', '--filename=/f', '--time_based', '--runtime=60'];

describe('steady state (steadystate.ts)', () => {
  it('iops:10% over ss_dur=2s ends a steady job once its window is full', async () => {
    const k = kernelWithFile();
    const r = await fio(k, ...steady, '--ss=iops:10%', '--ss_dur=2s', '--output-format=json,normal');
    const [j] = jobs(r);
    expect(j?.error).to.equal(0);
    // checked once a second by the helper: the 2 s window is full at the 2nd check
    expect(j?.job_runtime).to.be.within(1990, 2100);
    const ss = j?.steadystate as SsJson;
    expect(ss.ss).to.equal('iops:10.000000%');
    expect(ss.duration).to.equal(2);
    expect(ss.attained).to.equal(1);
    expect(ss.data.iops).to.have.length(2);
    expect(ss.data.iops.every((v) => v >= 9990 && v <= 10000)).to.equal(true);
    expect(ss.data.bw.every((v) => Math.abs(v - 4096 * 10000) < 4096 * 20)).to.equal(true);
    expect(ss.data.iops_mean).to.be.within(9990, 10000);
    expect(ss.criterion).to.match(/^\d+\.\d{6}%$/);
    expect(parseFloat(ss.criterion)).to.be.below(10);
    expect(r.stdout).to.match(
      // fio's num2str() of the KiB mean with a base of 1024, IEC then SI
      /\n {2}steadystate {2}: attained=yes, bw=39\.\dMiB\/s \(40\.\dMB\/s\), iops=(99\d\d|10\.0k), iops mean dev=0\.\d{3}%\n/,
    );
  });

  it('a criterion that is never met lets the job run its time (attained=0), with the window in order', async () => {
    const k = kernelWithFile();
    const r = await fio(
      k,
      '--name=t',
      '--filename=/f',
      '--time_based',
      '--runtime=5',
      '--ss=iops_slope:0%',
      '--ss_dur=3s',
      '--output-format=json',
    );
    const [j] = jobs(r);
    expect(j?.job_runtime).to.be.within(5000, 5010);
    const ss = j?.steadystate as SsJson;
    expect(ss.attained).to.equal(0);
    expect(ss.ss).to.equal('iops_slope:0.000000%');
    expect(ss.data.iops).to.have.length(3);
  });

  it('bw_slope uses bandwidth, ss_ramp delays the first sample', async () => {
    const k = kernelWithFile();
    const r = await fio(k, ...steady, '--ss=bw_slope:1%', '--ss_dur=2s', '--ss_ramp=3s', '--output-format=json');
    const [j] = jobs(r);
    // samples start one second after the ramp: at 4 s and 5 s; the window of 2 is full at 5 s
    expect(j?.job_runtime).to.be.within(4990, 5100);
    const ss = j?.steadystate as SsJson;
    expect(ss.ss).to.equal('bw_slope:1.000000%');
    expect(ss.attained).to.equal(1);
    expect(Math.abs(ss.slope)).to.be.below(0.01 * 4096 * 10000);
  });

  it('a job whose rate keeps changing does not reach steady state', async () => {
    const k = kernelWithFile();
    // latency grows with every I/O: IOPS fall from one second to the next
    k.starts = [];
    k.latencyFor = () => 50_000 + (k.starts?.length ?? 0) * 10;
    const r = await fio(
      k,
      '--name=t',
      '--filename=/f',
      '--time_based',
      '--runtime=6',
      '--ss=iops:2%',
      '--ss_dur=2s',
      '--output-format=json',
    );
    const ss = jobs(r)[0]?.steadystate as SsJson;
    expect(ss.attained).to.equal(0);
    expect(parseFloat(ss.criterion)).to.be.above(2);
    expect(ss.max_deviation).to.be.above(0);
  });

  it('with group_reporting the group is judged as a whole and all its jobs stop', async () => {
    const k = kernelWithFile();
    const r = await fio(
      k,
      ...steady,
      '--numjobs=3',
      '--group_reporting',
      '--ss=iops:10%',
      '--ss_dur=2s',
      '--output-format=json',
    );
    const all = jobs(r);
    expect(all).to.have.length(1);
    const ss = all[0]?.steadystate as SsJson;
    expect(ss.attained).to.equal(1);
    // the group's IOPS: three jobs of ~10000
    expect(ss.data.iops_mean).to.be.within(29970, 30000);
    expect(all[0]?.job_runtime).to.be.below(3 * 2200);
  });

  it('steady-state settings must be the same within a reporting group', () => {
    const ctx = { env: {}, keywords: { pagesize: 4096, mbMemory: 1024, ncpus: 2 }, readFile: () => undefined };
    expect(() => parseOptions(['--name=a', '--ss=iops:5%', '--ss_dur=10s', '--name=b'], ctx)).to.throw(
      FioError,
      /steadystate options must be consistent within reporting groups/,
    );
    expect(() =>
      parseOptions(['--name=a', '--ss=iops:5%', '--ss_dur=10s', '--name=b', '--new_group'], ctx),
    ).to.not.throw();
    expect(() => parseOptions(['--name=a', '--ss=iops', '--ss_dur=10s'], ctx)).to.throw(
      FioError,
      /threshold must be specified/,
    );
    const o = parseOptions(['--name=a', '--ss=bw:10m', '--ss_dur=1m'], ctx).jobs.jobs[0]?.o;
    expect(o?.ssLimit).to.equal(10 << 20);
    expect(o?.ssDur).to.equal(60_000_000);
  });
});
