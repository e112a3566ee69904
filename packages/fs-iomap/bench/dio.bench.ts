/**
 * Wall-clock cost of iomapfs direct I/O through the whole stack (syscall → iomap_dio_rw → bio → blk-mq →
 * nvme-pci → NVMe model → DMA → completion → unpin): `node packages/fs-iomap/dist-bench/dio.bench.js`.
 * Prints ns per I/O, virtual IOPS and pins per I/O for 4 KiB random reads and overwrites, 4 KiB reads of a
 * hole, and 1 MiB reads, with CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=y and =n.
 */
import { performance } from 'node:perf_hooks';
import type { Machine } from '@stackemu/core';
import { O_CREAT, O_DIRECT, O_RDWR } from '@stackemu/vfs';
import { anonMap, iomapfsMachine, pins, run, shutdown, spawn } from '../dist-test/helpers/machine.js';

const FILE = 16 << 20;

interface Figures {
  readonly name: string;
  readonly ios: number;
  readonly nsPerIo: number;
  readonly usVirtual: number;
  readonly pinsPerIo: number;
}

async function phase(m: Machine, name: string, ios: number, io: (i: number) => Promise<number>): Promise<Figures> {
  const pin0 = pins(m).acquired;
  const v0 = m.scheduler.now();
  const t0 = performance.now();
  await run(m, async () => {
    for (let i = 0; i < ios; i++) {
      const r = await io(i);
      if (r < 0) throw new Error(`${name}: I/O ${i} failed: ${r}`);
    }
  });
  const t1 = performance.now();
  const vns = m.scheduler.now() - v0;
  return {
    name,
    ios,
    nsPerIo: Math.round(((t1 - t0) * 1e6) / ios),
    usVirtual: vns / ios / 1000,
    pinsPerIo: (pins(m).acquired - pin0) / ios,
  };
}

async function bench(configPin: boolean): Promise<Figures[]> {
  const m = await iomapfsMachine({ capacity: '256m', config: { CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO: configPin } });
  const p = spawn(m, 'bench');
  const out: Figures[] = [];
  try {
    const fd = await run(m, async () => {
      const f = await p.sys.open('/bench', O_CREAT | O_RDWR | O_DIRECT);
      const buf = anonMap(p, 1 << 20);
      p.mm.copyToUser(buf, new Uint8Array(1 << 20).fill(0x5a), 0, 1 << 20);
      for (let off = 0; off < FILE; off += 1 << 20) await p.sys.pwrite(f, buf, 1 << 20, off);
      await p.sys.ftruncate(f, 2 * FILE);
      return f;
    });
    const buf = anonMap(p, 1 << 20);
    p.mm.copyToUser(buf, new Uint8Array(1 << 20).fill(1), 0, 1 << 20);
    let x = 12345;
    const rnd = (): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x;
    };
    const blocks = FILE / 4096;
    // Warm-up (JIT), not reported.
    await phase(m, 'warmup', 20000, () => p.sys.pread(fd, buf, 4096, (rnd() % blocks) * 4096));
    out.push(await phase(m, '4k randread', 40000, () => p.sys.pread(fd, buf, 4096, (rnd() % blocks) * 4096)));
    out.push(
      await phase(m, '4k randwrite (overwrite)', 40000, () => p.sys.pwrite(fd, buf, 4096, (rnd() % blocks) * 4096)),
    );
    out.push(
      await phase(m, '4k read of a hole', 40000, () => p.sys.pread(fd, buf, 4096, FILE + (rnd() % blocks) * 4096)),
    );
    out.push(await phase(m, '1m seqread', 400, (i) => p.sys.pread(fd, buf, 1 << 20, (i % 16) << 20)));
    await run(m, () => p.sys.close(fd));
  } finally {
    await shutdown(m);
  }
  return out;
}

for (const configPin of [true, false]) {
  const rows = await bench(configPin);
  process.stdout.write(`fs-iomap DIO, CONFIG_BLK_USE_PIN_USER_PAGES_FOR_DIO=${configPin ? 'y' : 'n'}\n`);
  for (const r of rows) {
    process.stdout.write(
      `  ${r.name.padEnd(26)} ${String(r.ios).padStart(6)} I/Os  ${String(r.nsPerIo).padStart(7)} ns/IO (wall)  ` +
        `${r.usVirtual.toFixed(1).padStart(8)} µs/IO (virtual)  ${r.pinsPerIo.toFixed(2)} pins/IO\n`,
    );
  }
}
