import { expect } from 'chai';
import { runFio, type FioRunResult } from '@stackemu/fio';
import { FakeKernel } from './fake-kernel.js';

interface JobJson {
  jobname: string;
  error: number;
  read: {
    io_kbytes: number;
    total_ios: number;
    runtime: number;
    slat_ns: { N: number };
    clat_ns: { N: number; percentile?: Record<string, number>; bins?: Record<string, number> };
  };
  write: { io_kbytes: number; total_ios: number };
  sync: { total_ios: number };
  job_runtime: number;
  iodepth_level: Record<string, number>;
}

async function fio(k: FakeKernel, files: Record<string, string>, ...argv: string[]): Promise<FioRunResult> {
  return runFio(k.host(), { argv, readFile: (p) => files[p], timeMs: () => 0 });
}

function jobs(r: FioRunResult): JobJson[] {
  return (JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { jobs: JobJson[] }).jobs;
}

describe('runThreads() on a fake kernel', () => {
  for (const engine of ['psync', 'sync', 'pvsync', 'pvsync2', 'libaio', 'io_uring']) {
    it(`${engine}: moves the same bytes with QD ${engine.endsWith('sync') ? 1 : 8}`, async () => {
      const k = new FakeKernel();
      const r = await fio(
        k,
        {},
        '--name=t',
        `--ioengine=${engine}`,
        '--iodepth=8',
        '--rw=randread',
        '--bs=4k',
        '--size=256k',
        '--direct=1',
        '--output-format=json',
      );
      const [j] = jobs(r);
      expect(j?.error).to.equal(0);
      expect(j?.read.io_kbytes).to.equal(256);
      expect(k.stats.directIos).to.equal(64);
      if (engine === 'libaio' || engine === 'io_uring') {
        expect(j?.read.slat_ns.N).to.equal(64);
        expect(j?.iodepth_level['8']).to.be.greaterThan(50);
      } else expect(j?.read.slat_ns.N).to.equal(0);
    });
  }
  it('io_uring with fixedbufs registers the io_u buffers', async () => {
    const k = new FakeKernel();
    const r = await fio(
      k,
      {},
      '--name=t',
      '--ioengine=io_uring',
      '--fixedbufs',
      '--iodepth=4',
      '--rw=read',
      '--bs=4k',
      '--size=64k',
      '--direct=1',
      '--output-format=json',
    );
    expect(jobs(r)[0]?.read.io_kbytes).to.equal(64);
  });
  it('the null engine needs no files and advances virtual time', async () => {
    const k = new FakeKernel();
    const r = await fio(
      k,
      {},
      '--name=n',
      '--ioengine=null',
      '--rw=randread',
      '--size=1g',
      '--bs=4k',
      '--runtime=10ms',
      '--time_based',
      '--output-format=json',
    );
    const [j] = jobs(r);
    expect(k.files.size).to.equal(0);
    expect(j?.read.total_ios).to.equal(100_000);
    expect(r.report.sim.virtual_ns).to.be.at.least(10_000_000);
  });
  it('verify reads back what it wrote, and a corrupted block fails the job with EILSEQ', async () => {
    for (const v of ['md5', 'crc32c', 'sha256', 'pattern']) {
      const k = new FakeKernel();
      const extra = v === 'pattern' ? ['--verify_pattern=0xdeadbeef'] : [];
      const ok = await fio(
        k,
        {},
        '--name=v',
        '--rw=randwrite',
        '--bs=4k',
        '--size=128k',
        `--verify=${v}`,
        ...extra,
        '--output-format=json',
      );
      expect(ok.exitCode, v).to.equal(0);
      expect(jobs(ok)[0]?.read.io_kbytes).to.equal(128);
      const bad = new FakeKernel();
      let reads = 0;
      bad.corruptRead = (_p, _off, buf) => {
        if (++reads === 5 && buf.length > 100) buf[100] = (buf[100] as number) ^ 0xff;
      };
      const r = await fio(
        bad,
        {},
        '--name=v',
        '--rw=randwrite',
        '--bs=4k',
        '--size=128k',
        `--verify=${v}`,
        ...extra,
        '--output-format=json',
      );
      expect(r.exitCode, v).to.equal(1);
      expect(jobs(r)[0]?.error, v).to.equal(84);
      expect(r.report.notes.some((n) => n.startsWith('verify:'))).to.equal(true);
    }
  });
  it('a read job verifies blocks written by an earlier job (verify_only off, do_verify)', async () => {
    const k = new FakeKernel();
    const r = await fio(
      k,
      {},
      '--name=w',
      '--filename=f',
      '--rw=write',
      '--bs=8k',
      '--size=64k',
      '--verify=crc32c',
      '--do_verify=0',
      '--name=r',
      '--stonewall',
      '--filename=f',
      '--rw=read',
      '--bs=8k',
      '--size=64k',
      '--verify=crc32c',
      '--output-format=json',
    );
    expect(r.exitCode).to.equal(0);
    expect(jobs(r).map((j) => [j.write.io_kbytes, j.read.io_kbytes])).to.deep.equal([
      [64, 0],
      [0, 64],
    ]);
  });
  it('numjobs + group_reporting gives one entry; without it one per clone', async () => {
    const k = new FakeKernel();
    const g = await fio(
      k,
      {},
      '--name=t',
      '--rw=read',
      '--bs=4k',
      '--size=64k',
      '--numjobs=3',
      '--group_reporting',
      '--output-format=json',
    );
    expect(jobs(g)).to.have.length(1);
    expect(jobs(g)[0]?.read.io_kbytes).to.equal(192);
    const n = await fio(
      new FakeKernel(),
      {},
      '--name=t',
      '--rw=read',
      '--bs=4k',
      '--size=64k',
      '--numjobs=3',
      '--output-format=json',
    );
    expect(jobs(n)).to.have.length(3);
  });
  it('time_based runs for the runtime; ramp_time is not counted', async () => {
    const k = new FakeKernel();
    const r = await fio(
      k,
      {},
      '--name=t',
      '--rw=randread',
      '--bs=4k',
      '--size=64k',
      '--runtime=50ms',
      '--time_based',
      '--ramp_time=20ms',
      '--output-format=json',
    );
    const [j] = jobs(r);
    expect(j?.read.runtime).to.be.within(49, 51);
    expect(j?.read.total_ios).to.be.within(4900, 5001);
  });
  it('startdelay delays a job in virtual time; stonewall orders groups', async () => {
    const k = new FakeKernel();
    const r = await fio(
      k,
      {},
      '--name=a',
      '--rw=read',
      '--bs=4k',
      '--size=64k',
      '--startdelay=5ms',
      '--output-format=json',
    );
    expect(r.report.sim.virtual_ns).to.be.at.least(5_000_000);
  });
  it('fsync=N issues fsyncs between writes and end_fsync one at the end', async () => {
    const k = new FakeKernel();
    const r = await fio(
      k,
      {},
      '--name=t',
      '--rw=write',
      '--bs=4k',
      '--size=64k',
      '--fsync=4',
      '--end_fsync=1',
      '--output-format=json',
    );
    expect(jobs(r)[0]?.sync.total_ios).to.equal(3);
    expect(k.stats.fsyncs).to.equal(4);
  });
  it('create_on_open skips the layout; overwrite=1 lays out writes', async () => {
    const k = new FakeKernel();
    await fio(
      k,
      {},
      '--name=t',
      '--filename=f',
      '--rw=write',
      '--bs=4k',
      '--size=64k',
      '--create_on_open=1',
      '--output-format=json',
    );
    expect(k.stats.bytesWritten).to.equal(65536);
    const k2 = new FakeKernel();
    await fio(
      k2,
      {},
      '--name=t',
      '--filename=f',
      '--rw=write',
      '--bs=4k',
      '--size=64k',
      '--overwrite=1',
      '--output-format=json',
    );
    expect(k2.stats.bytesWritten).to.equal(2 * 65536);
  });
  it('drops the layout from the page cache (posix_fadvise DONTNEED) after laying out and at open', async () => {
    const k = new FakeKernel();
    await fio(k, {}, '--name=t', '--rw=read', '--bs=4k', '--size=64k', '--output-format=json');
    expect(k.stats.fadvises).to.equal(2);
    const n = new FakeKernel();
    await fio(n, {}, '--name=t', '--rw=read', '--bs=4k', '--size=64k', '--invalidate=0', '--output-format=json');
    expect(n.stats.fadvises).to.equal(1);
  });
  it('a job that needs a size and has none fails like fio', async () => {
    const k = new FakeKernel();
    const r = await fio(k, {}, '--name=t', '--rw=read', '--filename=nothere', '--output-format=json');
    expect(r.exitCode).to.equal(1);
    expect(r.stderr).to.equal(
      't: you need to specify size=\nfio: pid=0, err=22/func=total_file_size, error=Invalid argument\n',
    );
  });
  it("json+ adds clat bins; normal output has fio's shape", async () => {
    const k = new FakeKernel();
    const r = await fio(k, {}, '--name=t', '--rw=randread', '--bs=4k', '--size=64k', '--output-format=json+');
    expect(Object.values(jobs(r)[0]?.read.clat_ns.bins ?? {}).reduce((a, b) => a + b, 0)).to.equal(16);
    const n = await fio(new FakeKernel(), {}, '--name=t', '--rw=randread', '--bs=4k', '--size=64k');
    expect(n.stdout).to.match(
      /^t: \(g=0\): rw=randread, bs=\(R\) 4096B-4096B, \(W\) 4096B-4096B, \(T\) 4096B-4096B, ioengine=psync, iodepth=1\nfio-3\.33\nStarting 1 process\nt: Laying out IO file \(1 file \/ 0MiB\)\n/,
    );
    expect(n.stdout).to.match(/\n {2}read: IOPS=.*, BW=.*\(64\.0KiB\/\d+msec\)\n/);
    expect(n.stdout).to.match(/clat percentiles \(nsec\):\n {5}\| {2}1\.00th=\[ *\d+\]/);
    expect(n.stdout).to.match(/Run status group 0 \(all jobs\):\n {3}READ: bw=/);
    expect(n.stdout).to.match(/stackemu \(emulated stack\):\n {2}vmstat {7}: nr_foll_pin_acquired=0/);
  });
  it('is deterministic: same job and seed give identical output', async () => {
    const run = async (): Promise<string> =>
      (
        await fio(
          new FakeKernel(),
          {},
          '--name=t',
          '--rw=randrw',
          '--bs=4k',
          '--size=128k',
          '--ioengine=libaio',
          '--iodepth=4',
          '--output-format=json',
        )
      ).stdout;
    expect(await run()).to.equal(await run());
  });
});
