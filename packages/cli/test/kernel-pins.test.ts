import { expect } from 'chai';
import { main, type CliIo } from '@stackemu/cli';

/**
 * `nr_foll_pin_acquired`/`released` the real kernel (6.18.44, fio 3.33) counted for these fio jobs, measured
 * with ../shared/tools/kernel-pins in a fresh directory on the root filesystem. The default stack must pin
 * exactly as many pages for the same job.
 */
const KERNEL: readonly (readonly [string, number])[] = [
  ['--rw=randread --bs=4k --size=1m --io_size=100k --direct=1 --ioengine=psync', 25],
  ['--rw=read --bs=4k --size=1m --io_size=100k --direct=1 --ioengine=psync --iomem_align=512', 50],
  ['--rw=randwrite --bs=4k --size=1m --io_size=100k --direct=1 --ioengine=pvsync', 25],
  ['--rw=randread --bs=4k --size=1m --io_size=100k --direct=1 --ioengine=libaio --iodepth=16 --iomem_align=512', 50],
  ['--rw=randread --bs=4k --size=1m --io_size=100k --direct=1 --ioengine=io_uring --iodepth=16', 25],
  ['--rw=randread --bs=4k --size=1m --io_size=100k --direct=1 --ioengine=io_uring --iodepth=16 --fixedbufs', 16],
  ['--rw=randread --bs=4k --size=1m --io_size=100k --direct=1 --ioengine=psync --numjobs=2', 50],
  ['--rw=read --bs=64k --size=1m --io_size=512k --direct=1 --ioengine=libaio --iodepth=4', 128],
  ['--rw=randread --bs=4k --size=1m --io_size=100k --direct=1 --ioengine=io_uring --iodepth=16 --registerfiles=1', 25],
  // After the buffered layout fio drops the file's pages (posix_fadvise DONTNEED): every write goes direct.
  ['--rw=rw --rwmixread=70 --bs=4k --size=1m --direct=1 --ioengine=psync', 256],
  // Buffers in a MAP_SHARED file mapping (fio's iomem=mmap:FILE): GUP faults the file pages in, reading them.
  ['--rw=randread --bs=4k --size=1m --io_size=100k --direct=1 --ioengine=psync --iomem=mmap:fiobuf', 25],
  ['--rw=write --bs=64k --size=1m --io_size=512k --direct=1 --ioengine=libaio --iodepth=4 --iomem=mmap:fiobuf', 128],
  // Extending (and sub-block) direct writes complete inside io_submit() (ext4's IOMAP_DIO_FORCE_WAIT), so fio's
  // buffers go round in order: every other 6 KiB write crosses into a new block and pins its first page twice.
  ['--rw=write --bs=6k --size=6m --direct=1 --ioengine=libaio --iodepth=4', 2560],
  // RWF_HIPRI on a queue without poll queues: block clears REQ_POLLED and the I/O completes by interrupt.
  ['--rw=randread --bs=4k --size=1m --io_size=100k --direct=1 --ioengine=pvsync2 --hipri=1', 25],
  ['--rw=randread --bs=4k --size=1m --io_size=100k --direct=0 --ioengine=psync', 0],
  ['--rw=randwrite --bs=4k --size=1m --io_size=100k --direct=0 --ioengine=io_uring --iodepth=8', 0],
];

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    readFile: () => undefined,
    writeFile: () => undefined,
    env: { STACKEMU_LOG: 'silent' },
    isTTY: false,
    clock: { nowNs: () => 0, epochMs: () => 0 },
  };
}

describe("pins on the default stack equal the real kernel's", function () {
  this.timeout(30_000);
  for (const [args, pins] of KERNEL) {
    it(`${args} → ${pins}`, async () => {
      const s = io();
      const code = await main(['fio', '--name=job', '--output-format=json', '--filename=data', ...args.split(' ')], s);
      expect(s.err.join('')).to.equal('');
      expect(code).to.equal(0);
      const text = s.out.join('');
      const j = JSON.parse(text.slice(text.indexOf('{'))) as {
        stackemu: { vmstat: Record<string, number>; sanitizer: { count: number } };
      };
      expect(j.stackemu.vmstat['nr_foll_pin_acquired']).to.equal(pins);
      expect(j.stackemu.vmstat['nr_foll_pin_released']).to.equal(pins);
      expect(j.stackemu.sanitizer.count).to.equal(0);
    });
  }
});

describe('O_DIRECT on the raw device from a file-backed buffer', function () {
  this.timeout(30_000);
  for (const engine of ['psync', 'libaio']) {
    it(`${engine}: GUP sleeps on the buffer's page-cache reads and fills the whole bio (no short writes)`, async () => {
      const s = io();
      const code = await main(
        [
          'fio',
          '--name=job',
          '--output-format=json',
          '--filename=/dev/nvme0n2',
          '--rw=write',
          '--bs=64k',
          '--size=1m',
          '--direct=1',
          `--ioengine=${engine}`,
          '--iodepth=4',
          '--iomem=mmap:fiobuf',
        ],
        s,
      );
      expect(s.err.join('')).to.equal('');
      expect(code).to.equal(0);
      const text = s.out.join('');
      const j = JSON.parse(text.slice(text.indexOf('{'))) as {
        jobs: { write: { io_kbytes: number; total_ios: number } }[];
        stackemu: { vmstat: Record<string, number> };
      };
      expect(j.jobs[0]?.write.io_kbytes).to.equal(1024);
      // 16 I/Os of 16 pages each: every page pinned once, the first I/O included.
      expect(j.stackemu.vmstat['nr_foll_pin_acquired']).to.equal(256);
      expect(j.stackemu.vmstat['nr_foll_pin_released']).to.equal(256);
      // Each buffer page (iodepth buffers of 64 KiB) was read in by a fault once.
      expect(j.stackemu.vmstat['pgmajfault']).to.equal(engine === 'psync' ? 16 : 64);
    });
  }
});
