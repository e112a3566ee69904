/**
 * GUP throughput: pin + unpin of one page and of a 2 MiB range, with the sanitizer off and on; and the
 * PhysMem 4 KiB copy that device DMA uses.
 * Run: `node packages/mm/dist-bench/pin.bench.js` (after `tsc -b packages/mm/bench`).
 * @packageDocumentation
 */
import { createLogger, createMachine } from '@stackemu/core';
import {
  FOLL_WRITE,
  Gup,
  MAP_ANONYMOUS,
  MAP_POPULATE,
  MAP_PRIVATE,
  Mm,
  mmPlugin,
  PhysMem,
  PROT_READ,
  PROT_WRITE,
} from '@stackemu/mm';
import { runBench, type BenchCase } from './harness.js';

const N = 20_000;

async function world(sanitizer: boolean, thp: 'always' | 'never'): Promise<{ mm: Mm; gup: Gup; mem: PhysMem }> {
  const m = await createMachine({ plugins: [{ name: 'mm', params: { mem: '1g', sanitizer, thp } }] }, [mmPlugin], {
    logger: createLogger({ level: 'silent' }),
  });
  return { mm: m.get<Mm>(Mm), gup: m.get<Gup>(Gup), mem: m.get<PhysMem>(PhysMem) };
}

function pinCase(
  name: string,
  pages: number,
  reps: number,
  sanitizer: boolean,
  thp: 'always' | 'never',
  fast: boolean,
): BenchCase {
  return {
    name,
    ops: reps,
    unit: 'pin+unpin',
    async setup() {
      const { mm, gup } = await world(sanitizer, thp);
      const p = mm.createMm('bench');
      const a = p.mmap(0, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
      const base = Math.ceil(a / (2 << 20)) * (2 << 20);
      const arr: number[] = new Array<number>(pages).fill(0);
      return () => {
        for (let i = 0; i < reps; i++) {
          const n = fast
            ? gup.pinUserPagesFast(p, base, pages, FOLL_WRITE, arr)
            : gup.pinUserPages(p, base, pages, FOLL_WRITE, arr);
          gup.unpinUserPages(arr, n);
        }
      };
    },
  };
}

const copy: BenchCase = {
  name: 'PhysMem.read + write, 4 KiB each (DMA copy)',
  ops: 2 * N,
  unit: 'copy',
  async setup() {
    const { mem } = await world(false, 'never');
    const pfn = mem.allocPages(9);
    const buf = new Uint8Array(4096).fill(1);
    for (let i = 0; i < 512; i++) mem.write((pfn + i) * 4096, buf, 0, 4096);
    return () => {
      for (let i = 0; i < N; i++) {
        const pa = (pfn + (i & 511)) * 4096;
        mem.read(pa, buf, 0, 4096);
        mem.write(pa, buf, 0, 4096);
      }
    };
  },
};

await runBench('mm: GUP pin+unpin (pinUserPagesFast + unpinUserPages, FOLL_WRITE, anon memory)', import.meta.filename, [
  pinCase('1 page, sanitizer off', 1, N, false, 'never', true),
  pinCase('1 page, sanitizer on', 1, N, true, 'never', true),
  pinCase('1 page, slow path (pinUserPages), sanitizer off', 1, N, false, 'never', false),
  pinCase('2 MiB range of 4 KiB pages, sanitizer off', 512, 200, false, 'never', true),
  pinCase('2 MiB range of 4 KiB pages, sanitizer on', 512, 50, true, 'never', true),
  pinCase('2 MiB range, one PMD-mapped THP, sanitizer off', 512, 2000, false, 'always', true),
  pinCase('2 MiB range, one PMD-mapped THP, sanitizer on', 512, 20, true, 'always', true),
  copy,
]);
