/**
 * Simulated I/Os per wall second through the whole default stack (fio → syscalls → iomap/blkdev DIO → pins →
 * bio → blk-mq → NVMe → DMA → completion → unpin): 4 KiB random reads at QD 32 with io_uring.
 * Run: node packages/cli/dist-bench/default-stack.bench.js
 */
import { main, type CliIo } from '@stackemu/cli';

function io(out: string[]): CliIo {
  return {
    stdout: (s) => out.push(s),
    stderr: (s) => process.stderr.write(s),
    readFile: () => undefined,
    writeFile: () => undefined,
    env: { STACKEMU_LOG: 'silent' },
    isTTY: false,
    clock: { nowNs: () => Number(process.hrtime.bigint()), epochMs: () => 0 },
  };
}

async function one(label: string, args: string[]): Promise<void> {
  const out: string[] = [];
  const t0 = performance.now();
  const code = await main(['fio', '--output-format=json', ...args], io(out));
  const total = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${label}: exit ${code}`);
  const text = out.join('');
  const j = JSON.parse(text.slice(text.indexOf('{'))) as {
    jobs: { read: { total_ios: number; iops: number } }[];
    stackemu: { wall: { seconds: number; ios_per_sec: number } };
  };
  const r = j.jobs[0]?.read;
  process.stdout.write(
    `${label.padEnd(58)} ${r?.total_ios ?? 0} I/Os: ${Math.round(j.stackemu.wall.ios_per_sec).toLocaleString('en-US')} simulated I/Os per wall second (run ${j.stackemu.wall.seconds.toFixed(2)} s, with machine setup ${total.toFixed(2)} s; simulated ${Math.round(r?.iops ?? 0).toLocaleString('en-US')} IOPS)\n`,
  );
}

const job = [
  '--name=bench',
  '--rw=randread',
  '--bs=4k',
  '--direct=1',
  '--ioengine=io_uring',
  '--iodepth=32',
  '--norandommap',
];
await one('4k randread QD32 io_uring, raw /dev/nvme0n2', [
  ...job,
  '--filename=/dev/nvme0n2',
  '--size=1g',
  '--number_ios=100000',
]);
await one('4k randread QD32 io_uring, 16 MiB file on iomapfs (+layout)', [
  ...job,
  '--filename=bench.dat',
  '--size=16m',
  '--io_size=400m',
]);
