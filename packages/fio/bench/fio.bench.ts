/**
 * fio's own cost per I/O: the null engine (no stack below) at QD 1 and QD 32, simulated I/Os per wall
 * second. Run: node packages/fio/dist-bench/fio.bench.js
 */
import { createRng, VirtualScheduler } from '@stackemu/core';
import { runFio, type FioHost, type FioProcess, type FioSyscalls } from '@stackemu/fio';

function nullHost(): FioHost {
  let next = 0x10000000;
  const sys = {
    mmap: (_a: number, len: number) => {
      const a = next;
      next += Math.ceil(len / 4096) * 4096;
      return a;
    },
  } as unknown as FioSyscalls;
  const proc: FioProcess = {
    pid: 1,
    mm: { copyToUser: () => 0, copyFromUser: () => 0 },
    sys,
    exit: () => Promise.resolve(),
  };
  return {
    scheduler: new VirtualScheduler(),
    rng: createRng(1),
    keywords: { pagesize: 4096, mbMemory: 1024, ncpus: 2 },
    spawn: () => proc,
    vmstat: () => ({}),
    sanitizerFindings: () => [],
  };
}

async function one(label: string, argv: string[]): Promise<void> {
  const t0 = performance.now();
  const r = await runFio(nullHost(), {
    argv: [...argv, '--output-format=json'],
    readFile: () => undefined,
    timeMs: () => 0,
  });
  const s = (performance.now() - t0) / 1000;
  const j = JSON.parse(r.stdout) as { jobs: { read: { total_ios: number } }[] };
  const ios = j.jobs[0]?.read.total_ios ?? 0;
  process.stdout.write(
    `${label.padEnd(40)} ${ios} I/Os in ${s.toFixed(2)} s wall: ${Math.round(ios / s).toLocaleString('en-US')} simulated I/Os per wall second\n`,
  );
}

await one('null engine, 4k randread, QD1', [
  '--name=b',
  '--ioengine=null',
  '--rw=randread',
  '--bs=4k',
  '--size=1g',
  '--number_ios=200000',
  '--norandommap',
]);
await one('null engine, 4k randread, QD32', [
  '--name=b',
  '--ioengine=null',
  '--iodepth=32',
  '--rw=randread',
  '--bs=4k',
  '--size=1g',
  '--number_ios=300000',
  '--norandommap',
]);
