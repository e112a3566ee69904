/**
 * Pin sanitizer bookkeeping on the hot paths, sanitizer off and on: a page-cache style `get_page` +
 * `put_page` pair (no owner, and a per-I/O owner), a bio-style pin + unpin + owner end (owners recycled as
 * bios are, 32 in flight), and the same on the pages of one large folio.
 * Run: `node packages/mm/dist-bench/sanitizer.bench.js` (after `tsc -b packages/mm/bench`).
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
  Sanitizer,
  type RefOwner,
} from '@stackemu/mm';
import { runBench, type BenchCase } from './harness.js';

const N = 100_000;
const PAGES = 256;
const INFLIGHT = 32;

interface World {
  readonly mm: Mm;
  readonly gup: Gup;
  readonly mem: PhysMem;
  readonly san: Sanitizer;
}

async function world(sanitizer: boolean): Promise<World> {
  const m = await createMachine(
    { plugins: [{ name: 'mm', params: { mem: '1g', sanitizer, thp: 'never' } }] },
    [mmPlugin],
    { logger: createLogger({ level: 'silent' }) },
  );
  return { mm: m.get<Mm>(Mm), gup: m.get<Gup>(Gup), mem: m.get<PhysMem>(PhysMem), san: m.get<Sanitizer>(Sanitizer) };
}

/** Reference owners named like bios. */
function owners(n: number): RefOwner[] {
  return Array.from({ length: n }, (_, i) => ({ refOwnerName: () => `bio#${i}` }));
}

/** `get_page` + `put_page` over `PAGES` order-0 pages (or the pages of one order-8 folio), round robin. */
function getPutCase(name: string, sanitizer: boolean, withOwner: boolean, large: boolean): BenchCase {
  return {
    name,
    ops: N,
    unit: 'get+put',
    async setup() {
      const { mem } = await world(sanitizer);
      const pfns: number[] = [];
      if (large) {
        const h = mem.allocPages(8);
        for (let i = 0; i < PAGES; i++) pfns.push(h + i);
      } else for (let i = 0; i < PAGES; i++) pfns.push(mem.allocPages(0));
      const os = owners(INFLIGHT);
      return () => {
        for (let i = 0; i < N; i++) {
          const p = pfns[i % PAGES] as number;
          const o = withOwner ? os[i % INFLIGHT] : undefined;
          mem.getPage(p, o);
          mem.putPage(p, o);
        }
      };
    },
  };
}

/** Bio-style DIO: `INFLIGHT` owners each pin one page, then each unpins it and ends. */
function pinCase(name: string, sanitizer: boolean): BenchCase {
  return {
    name,
    ops: N,
    unit: 'pin+unpin+end',
    async setup() {
      const { mm, gup, san } = await world(sanitizer);
      const p = mm.createMm('bench');
      const a = p.mmap(0, INFLIGHT * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
      const os = owners(INFLIGHT);
      const pages: number[][] = os.map(() => [0]);
      return () => {
        for (let i = 0; i < N; i += INFLIGHT) {
          for (let k = 0; k < INFLIGHT; k++)
            gup.pinUserPagesFast(p, a + k * 4096, 1, FOLL_WRITE, pages[k] as number[], os[k]);
          for (let k = 0; k < INFLIGHT; k++) {
            gup.unpinUserPages(pages[k] as number[], 1, os[k]);
            san.ownerEnded(os[k] as RefOwner);
          }
        }
      };
    },
  };
}

await runBench('mm: pin sanitizer bookkeeping (get_page/put_page, pin/unpin/owner end)', import.meta.filename, [
  getPutCase('get+put, order-0 pages, no owner, sanitizer off', false, false, false),
  getPutCase('get+put, order-0 pages, no owner, sanitizer on', true, false, false),
  getPutCase('get+put, order-0 pages, 32 owners, sanitizer on', true, true, false),
  getPutCase('get+put, pages of an order-8 folio, 32 owners, sanitizer on', true, true, true),
  pinCase('pin+unpin+ownerEnded, 32 bio owners, sanitizer off', false),
  pinCase('pin+unpin+ownerEnded, 32 bio owners, sanitizer on', true),
]);
