/**
 * CPU-time cost (process.cpuUsage, robust to a shared machine) of a 4 KiB I/O through each device stack, in a closed loop at a fixed queue depth, driven
 * synchronously (bio completions resubmit from `bi_end_io`; `runSync` runs the events). Prints ns per I/O and
 * simulated IOPS. Run: `node packages/devices/dist-bench/devices.bench.js [case]`.
 */
import { createLogger, createMachine, type Machine } from '@stackemu/core';
import { mmPlugin, PhysMem, GFP_KERNEL } from '@stackemu/mm';
import {
  blockPlugin,
  bioAlloc,
  bioAddPage,
  bioPut,
  submitBio,
  BlockDeviceRegistry,
  REQ_OP_READ,
  type Bio,
} from '@stackemu/block';
import { nullBlkPlugin, nvmePlugin, ramdiskPlugin, virtioBlkPlugin } from '@stackemu/devices';

interface Case {
  readonly name: string;
  readonly disk: string;
  readonly plugin: { name: string; params?: Record<string, unknown> };
  readonly sanitizer: boolean;
}

const CASES: readonly Case[] = [
  {
    name: 'nvme (default SSD) QD 32, sanitizer off',
    disk: 'nvme0n1',
    plugin: { name: 'nvme', params: { capacity: '1g', queues: 1 } },
    sanitizer: false,
  },
  {
    name: 'nvme (default SSD) QD 32, sanitizer on',
    disk: 'nvme0n1',
    plugin: { name: 'nvme', params: { capacity: '1g', queues: 1 } },
    sanitizer: true,
  },
  {
    name: 'nvme behind a strict IOMMU, QD 32',
    disk: 'nvme0n1',
    plugin: { name: 'nvme', params: { capacity: '1g', queues: 1, 'dma.iommu': 'strict' } },
    sanitizer: false,
  },
  {
    name: 'virtio-blk QD 32',
    disk: 'vda',
    plugin: { name: 'virtio-blk', params: { capacity: '1g' } },
    sanitizer: false,
  },
  {
    name: 'null_blk (irqmode 1) QD 32',
    disk: 'nullb0',
    plugin: { name: 'null_blk', params: { size: '1g' } },
    sanitizer: false,
  },
  { name: 'ramdisk QD 32', disk: 'ram0', plugin: { name: 'ramdisk', params: { rd_size: 1 << 20 } }, sanitizer: false },
];

async function build(c: Case): Promise<Machine> {
  return createMachine(
    {
      plugins: [
        { name: 'mm', params: { mem: '512m', sanitizer: c.sanitizer, dirty_writeback_centisecs: 0 } },
        { name: 'block', params: { nr_cpus: 1 } },
        c.plugin,
      ],
    },
    [mmPlugin, blockPlugin, nvmePlugin, virtioBlkPlugin, nullBlkPlugin, ramdiskPlugin],
    { logger: createLogger({ level: 'silent' }) },
  );
}

/** Runs `total` 4 KiB sequential reads at depth `qd`; returns [wall ms, virtual ns]. */
function loop(m: Machine, disk: string, qd: number, total: number): [number, number] {
  const bdev = m.get<BlockDeviceRegistry>(BlockDeviceRegistry).lookup(disk);
  if (bdev === undefined) throw new Error(`no ${disk}`);
  const pm = m.get<PhysMem>(PhysMem);
  const pages = Array.from({ length: qd }, () => pm.allocPages(0, GFP_KERNEL));
  const sectors = Math.min(bdev.bdNrSectors, 1 << 21);
  let next = 0;
  let issued = 0;
  let last = 0;
  const endIo = (b: Bio): void => {
    last = m.scheduler.now();
    const slot = b.biPrivate as number;
    bioPut(b);
    if (issued < total) issue(slot);
  };
  const issue = (slot: number): void => {
    issued++;
    const bio = bioAlloc(bdev, 1, REQ_OP_READ);
    bio.biIter.biSector = (next++ * 8) % sectors;
    bioAddPage(bio, pages[slot] as number, 4096, 0);
    bio.biPrivate = slot;
    bio.biEndIo = endIo;
    submitBio(bio);
  };
  const v0 = m.scheduler.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < qd; i++) issue(i);
  m.scheduler.runSync();
  const c = process.cpuUsage(c0);
  return [(c.user + c.system) / 1000, last - v0];
}

const only = process.argv[2];
for (const c of CASES) {
  if (only !== undefined && !c.name.includes(only)) continue;
  const m = await build(c);
  loop(m, c.disk, 32, 20_000); // warm-up
  const runs: number[] = [];
  let virt = 0;
  const N = Number(process.env.BENCH_N ?? 100_000);
  for (let r = 0; r < 3; r++) {
    const [ms, v] = loop(m, c.disk, 32, N);
    runs.push(ms);
    virt = v;
  }
  runs.sort((a, b) => a - b);
  const ms = runs[1] as number;
  const ns = (ms * 1e6) / N;
  const iops = virt > 0 ? (N / virt) * 1e9 : Infinity;
  process.stdout.write(
    `${c.name.padEnd(44)} ${ns.toFixed(0).padStart(6)} ns/IO (CPU)  ${((N / ms) * 1000).toFixed(0).padStart(9)} IO/CPU-s   simulated ${Number.isFinite(iops) ? iops.toFixed(0) : '∞'} IOPS\n`,
  );
  await m.stop();
}
