import { expect } from 'chai';
import { FIO_IO_U_PLAT_NR, runFio, type FioRunResult } from '@stackemu/fio';
import { FakeKernel, SparseBytes } from './fake-kernel.js';

interface JobJson {
  error: number;
  read: { total_ios: number; bw_samples: number; bw_mean: number; iops_samples: number; iops_mean: number };
}

async function fio(k: FakeKernel, files: Record<string, string>, ...argv: string[]): Promise<FioRunResult> {
  return runFio(k.host(), { argv: [...argv, '--output-format=json'], readFile: (p) => files[p], timeMs: () => 0 });
}

function job(r: FioRunResult): JobJson {
  return (JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { jobs: JobJson[] }).jobs[0] as JobJson;
}

function kernelWithFile(): FakeKernel {
  const k = new FakeKernel();
  k.files.set('/f', { data: new SparseBytes(), size: 64 << 20 });
  return k;
}

function lines(r: FioRunResult, path: string): string[] {
  const f = r.logFiles.find((x) => x.path === path);
  if (f === undefined) throw new Error(`no log ${path} in ${r.logFiles.map((x) => x.path).join(', ')}`);
  return f.text.split('\n').filter((l) => l !== '');
}

const rated = ['--name=t', '--filename=/f', '--rate_iops=100', '--time_based'];

describe('log files (io-log.ts, helper-thread.ts)', () => {
  it('without log_avg_msec, one line per I/O: time, value, ddir, bs, prio', async () => {
    const k = kernelWithFile();
    const r = await fio(k, {}, ...rated, '--runtime=1', '--write_bw_log=a', '--write_lat_log=a', '--write_iops_log=a');
    const j = job(r);
    expect(r.logFiles.map((f) => f.path)).to.deep.equal([
      'a_bw.1.log',
      'a_lat.1.log',
      'a_slat.1.log',
      'a_clat.1.log',
      'a_iops.1.log',
    ]);
    const n = j.read.total_ios;
    expect(n).to.be.within(100, 102);
    // 10 µs per I/O: bandwidth as fio computes it per I/O (bytes * 10^6 / clat ns), latencies in ns
    expect(lines(r, 'a_bw.1.log')).to.have.length(n);
    expect(lines(r, 'a_bw.1.log').slice(0, 3)).to.deep.equal([
      '0, 409600, 0, 4096, 0',
      '10, 409600, 0, 4096, 0',
      '20, 409600, 0, 4096, 0',
    ]);
    expect(lines(r, 'a_lat.1.log')[5]).to.equal('50, 10000, 0, 4096, 0');
    expect(lines(r, 'a_clat.1.log')).to.have.length(n);
    expect(lines(r, 'a_iops.1.log').every((l) => /^\d+, 1, 0, 4096, 0$/.test(l))).to.equal(true);
    // psync has no submission latency
    expect(lines(r, 'a_slat.1.log')).to.have.length(0);
    // as in fio, per-I/O logs replace the periodic bandwidth/IOPS samples with one per I/O
    expect(j.read.bw_samples).to.equal(n);
    expect(j.read.iops_mean).to.equal(1);
  });

  it('log_avg_msec averages each window into one line (bs 0), log_offset adds the offset column', async () => {
    const k = kernelWithFile();
    const r = await fio(
      k,
      {},
      ...rated,
      '--runtime=2',
      '--write_bw_log=b',
      '--write_lat_log=b',
      '--write_iops_log=b',
      '--log_avg_msec=500',
      '--log_offset=1',
    );
    expect(lines(r, 'b_bw.1.log')).to.deep.equal([
      '500, 400, 0, 0, 0, 0',
      '1000, 400, 0, 0, 0, 0',
      '1500, 400, 0, 0, 0, 0',
    ]);
    expect(lines(r, 'b_iops.1.log')).to.deep.equal([
      '500, 100, 0, 0, 0, 0',
      '1000, 100, 0, 0, 0, 0',
      '1500, 100, 0, 0, 0, 0',
    ]);
    // latency windows close on an I/O at or after the boundary; what is left is written at the end
    expect(lines(r, 'b_lat.1.log')).to.deep.equal([
      '500, 10000, 0, 0, 0, 0',
      '1000, 10000, 0, 0, 0, 0',
      '1500, 10000, 0, 0, 0, 0',
      '2000, 10000, 0, 0, 0, 0',
    ]);
    const j = job(r);
    expect(j.read.bw_samples).to.equal(3);
    expect(j.read.bw_mean).to.equal(400);
  });

  it('log_max_value logs the window maximum, log_prio the raw priority in hex', async () => {
    const k = kernelWithFile();
    k.latencyFor = () => 10_000 + (k.starts?.length ?? 0) * 1000;
    k.starts = [];
    const r = await fio(
      k,
      {},
      ...rated,
      '--runtime=1',
      '--write_lat_log=c',
      '--log_avg_msec=500',
      '--log_max_value=1',
      '--log_prio=1',
    );
    const clat = lines(r, 'c_clat.1.log');
    // the I/O at 500 ms (the 51st) closes the first window and is its slowest
    expect(clat[0]).to.equal(`500, ${10_000 + 51 * 1000}, 0, 0, 0x0000`);
  });

  it('the bandwidth/IOPS samples of the report come from the helper every bwavgtime', async () => {
    const k = kernelWithFile();
    const j = job(await fio(k, {}, ...rated, '--runtime=2'));
    expect(j.read.bw_samples).to.equal(3);
    expect(j.read.bw_mean).to.equal(400);
    expect(j.read.iops_samples).to.equal(3);
    expect(j.read.iops_mean).to.equal(100);
  });

  it('names logs by thread number; per_job_logs=0 appends every job to one file', async () => {
    const k = kernelWithFile();
    const r = await fio(k, {}, ...rated, '--runtime=100ms', '--numjobs=3', '--write_bw_log=d');
    expect(r.logFiles.map((f) => f.path)).to.deep.equal(['d_bw.1.log', 'd_bw.2.log', 'd_bw.3.log']);
    const k2 = kernelWithFile();
    const r2 = await fio(
      k2,
      { 'e_bw.log': 'old\n' },
      ...rated,
      '--runtime=100ms',
      '--numjobs=3',
      '--write_bw_log=e',
      '--per_job_logs=0',
    );
    expect(r2.logFiles.map((f) => f.path)).to.deep.equal(['e_bw.log']);
    const l = lines(r2, 'e_bw.log');
    expect(l[0]).to.equal('old');
    // 10 I/Os each in 100 ms (the one due at 100 ms finds the runtime over when its sleep ends)
    expect(l.length).to.equal(1 + 3 * 10);
    // without a prefix, the job name
    const r3 = await fio(kernelWithFile(), { 'j.fio': '[j]\nfilename=/f\nruntime=100ms\nwrite_iops_log\n' }, 'j.fio');
    expect(r3.logFiles.map((f) => f.path)).to.deep.equal(['j_iops.1.log']);
  });

  it('write_hist_log with log_hist_msec writes clat histograms, one difference per line', async () => {
    const k = kernelWithFile();
    const r = await fio(
      k,
      {},
      ...rated,
      '--runtime=1',
      '--write_hist_log=h',
      '--log_hist_msec=250',
      '--log_hist_coarseness=2',
    );
    const l = lines(r, 'h_clat_hist.1.log');
    expect(l.length).to.be.within(3, 4);
    const cols = (l[0] as string).split(', ').map(Number);
    // time, ddir, bs, then FIO_IO_U_PLAT_NR / 4 bins
    expect(cols.length).to.equal(3 + FIO_IO_U_PLAT_NR / 4);
    expect(cols.slice(1, 3)).to.deep.equal([0, 4096]);
    const sum = (c: number[]): number => c.slice(3).reduce((a, b) => a + b, 0);
    // the first line covers the I/Os up to its time (fio starts the window at the first non-zero ms, 10); the
    // next ones only what came after
    expect(cols[0]).to.equal(260);
    expect(sum(cols)).to.equal(27);
    expect(sum((l[1] as string).split(', ').map(Number))).to.equal(25);
  });
});
