/**
 * COW + GUP: the scenarios of tools/testing/selftests/mm/cow.c (spec §9.5, §9.6) on the anonymous memory types
 * the model has, and the non-anonymous ones.
 */
import { expect } from 'chai';
import {
  FOLL_LONGTERM,
  FOLL_WRITE,
  MADV_DOFORK,
  MADV_DONTFORK,
  MADV_DONTNEED,
  MADV_HUGEPAGE,
  MADV_NOHUGEPAGE,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MAP_SHARED,
  PAGE_SIZE,
  PMD_SIZE,
  PROT_READ,
  PROT_WRITE,
  type MmStruct,
} from '@stackemu/mm';
import { fakeFile } from './fake-fs.js';
import { memset, mmWorld, peek, physPage, type MmWorld } from './helpers.js';

const P = PAGE_SIZE;

interface Area {
  readonly addr: number;
  readonly size: number;
}

interface AnonType {
  readonly name: string;
  setup(w: MmWorld, mm: MmStruct): Area;
}

function mapAnon(mm: MmStruct, len: number): number {
  const a = mm.mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  expect(a).to.be.greaterThan(0);
  return a;
}

function thp(mm: MmStruct): number {
  const raw = mapAnon(mm, 2 * PMD_SIZE);
  const addr = Math.ceil(raw / PMD_SIZE) * PMD_SIZE;
  expect(mm.madvise(addr, PMD_SIZE, MADV_HUGEPAGE)).to.equal(0);
  expect(memset(mm, addr, 1, PMD_SIZE)).to.equal(0);
  expect(mm.pagemap(addr)?.pmdMapped, 'THP populated').to.equal(true);
  return addr;
}

const anonTypes: readonly AnonType[] = [
  {
    name: 'base page',
    setup(_w, mm) {
      const addr = mapAnon(mm, P);
      expect(mm.madvise(addr, P, MADV_NOHUGEPAGE)).to.equal(0);
      memset(mm, addr, 1, P);
      return { addr, size: P };
    },
  },
  {
    name: 'THP (2048 kB)',
    setup(_w, mm) {
      return { addr: thp(mm), size: PMD_SIZE };
    },
  },
  {
    name: 'PTE-mapped THP (2048 kB)',
    setup(_w, mm) {
      const addr = thp(mm);
      expect(mm.mprotect(addr + P, P, PROT_READ)).to.equal(0);
      expect(mm.mprotect(addr + P, P, PROT_READ | PROT_WRITE)).to.equal(0);
      expect(mm.pagemap(addr)?.pmdMapped).to.equal(false);
      return { addr, size: PMD_SIZE };
    },
  },
  {
    name: 'single PTE of THP (2048 kB)',
    setup(_w, mm) {
      const addr = thp(mm);
      expect(mm.madvise(addr + P, PMD_SIZE - P, MADV_DONTNEED)).to.equal(0);
      return { addr, size: P };
    },
  },
  {
    name: 'partially shared THP (2048 kB)',
    setup(_w, mm) {
      const addr = thp(mm);
      expect(mm.madvise(addr + P, PMD_SIZE - P, MADV_DONTFORK)).to.equal(0);
      mm.fork().exit();
      expect(mm.madvise(addr + P, PMD_SIZE - P, MADV_DOFORK)).to.equal(0);
      return { addr, size: PMD_SIZE };
    },
  },
];

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Bytes seen through a list of pinned/ref'd pages. */
function throughPages(w: MmWorld, pages: readonly number[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let k = 0; k * P < size; k++) out.set(physPage(w.mem, pages[k] as number), k * P);
  return out;
}

type AnonTest = (w: MmWorld, mm: MmStruct, a: Area) => boolean;

const n = (a: Area): number => a.size / P;

/** A1/A2: basic COW after fork (optionally with the mprotect optimization). */
function basicCow(mprotectOpt: boolean): AnonTest {
  return (w, mm, a) => {
    const child = mm.fork();
    const snap = peek(child, a.addr, a.size);
    if (mprotectOpt) {
      expect(mm.mprotect(a.addr, a.size, PROT_READ)).to.equal(0);
      expect(mm.mprotect(a.addr, a.size, PROT_READ | PROT_WRITE)).to.equal(0);
      expect(mm.pagemap(a.addr)?.writable, 'shared page stays R/O after mprotect(RW)').to.equal(false);
    }
    memset(mm, a.addr, 0xff, a.size);
    const ok = same(peek(child, a.addr, a.size), snap);
    child.exit();
    return ok;
  };
}

/** A3/A4: vmsplice (FOLL_GET R/O) + unmap in the child, parent writes. */
function vmspliceInChild(mprotectOpt: boolean): AnonTest {
  return (w, mm, a) => {
    const child = mm.fork();
    const pages: number[] = [];
    expect(w.gup.getUserPagesFast(child, a.addr, n(a), 0, pages)).to.equal(n(a));
    const old = throughPages(w, pages, a.size);
    expect(child.munmap(a.addr, a.size)).to.equal(0);
    if (mprotectOpt) {
      mm.mprotect(a.addr, a.size, PROT_READ);
      mm.mprotect(a.addr, a.size, PROT_READ | PROT_WRITE);
    }
    memset(mm, a.addr, 0xff, a.size);
    const ok = same(throughPages(w, pages, a.size), old);
    for (const p of pages) w.mem.putPage(p, child);
    child.exit();
    return ok;
  };
}

/** A5: vmsplice before fork, unmap in parent, child writes. */
const vmspliceBeforeFork: AnonTest = (w, mm, a) => {
  const pages: number[] = [];
  expect(w.gup.getUserPagesFast(mm, a.addr, n(a), 0, pages)).to.equal(n(a));
  const old = throughPages(w, pages, a.size);
  const child = mm.fork();
  mm.munmap(a.addr, a.size);
  memset(child, a.addr, 0xff, a.size);
  const ok = same(throughPages(w, pages, a.size), old);
  for (const p of pages) w.mem.putPage(p, mm);
  child.exit();
  return ok;
};

/** A6: vmsplice after fork in the parent, unmap in parent, child writes. */
const vmspliceAfterFork: AnonTest = (w, mm, a) => {
  const child = mm.fork();
  const pages: number[] = [];
  expect(w.gup.getUserPagesFast(mm, a.addr, n(a), 0, pages)).to.equal(n(a));
  const old = throughPages(w, pages, a.size);
  mm.munmap(a.addr, a.size);
  memset(child, a.addr, 0xff, a.size);
  const ok = same(throughPages(w, pages, a.size), old);
  for (const p of pages) w.mem.putPage(p, mm);
  child.exit();
  return ok;
};

/** A7: R/O-mapping a page registered as a long-term R/W pinned buffer (io_uring fixed buffer). */
const roMappingFixedBuffer: AnonTest = (w, mm, a) => {
  const pages: number[] = [];
  expect(w.gup.pinUserPagesFast(mm, a.addr, n(a), FOLL_WRITE | FOLL_LONGTERM, pages)).to.equal(n(a));
  mm.mprotect(a.addr, a.size, PROT_READ);
  mm.clearSoftDirty();
  mm.mprotect(a.addr, a.size, PROT_READ | PROT_WRITE);
  memset(mm, a.addr, 0xff, a.size);
  const ok = same(throughPages(w, pages, a.size), peek(mm, a.addr, a.size));
  w.gup.unpinUserPages(pages, n(a));
  return ok;
};

/** A8: fork() with a long-term R/W pinned buffer. */
const forkWithFixedBuffer: AnonTest = (w, mm, a) => {
  const pages: number[] = [];
  expect(w.gup.pinUserPagesFast(mm, a.addr, n(a), FOLL_WRITE | FOLL_LONGTERM, pages)).to.equal(n(a));
  const child = mm.fork();
  expect(mm.hasPinned).to.equal(true);
  memset(mm, a.addr, 0xff, a.size);
  const ok =
    same(throughPages(w, pages, a.size), peek(mm, a.addr, a.size)) && peek(child, a.addr, a.size).every((b) => b === 1);
  w.gup.unpinUserPages(pages, n(a));
  child.exit();
  return ok;
};

type RoPinWhen = 'shared' | 'previously-shared' | 'exclusive';

/** A9–A14: R/O long-term pin (slow or fast) on an R/O-mapped page, then write, then read through the pin. */
function roPin(when: RoPinWhen, fast: boolean): AnonTest {
  return (w, mm, a) => {
    let child: MmStruct | undefined;
    if (when === 'shared') child = mm.fork();
    else if (when === 'previously-shared') mm.fork().exit();
    else {
      mm.mprotect(a.addr, a.size, PROT_READ);
      mm.clearSoftDirty();
      mm.mprotect(a.addr, a.size, PROT_READ | PROT_WRITE);
    }
    const pages: number[] = [];
    const got = fast
      ? w.gup.pinUserPagesFast(mm, a.addr, n(a), FOLL_LONGTERM, pages)
      : w.gup.pinUserPages(mm, a.addr, n(a), FOLL_LONGTERM, pages);
    expect(got).to.equal(n(a));
    memset(mm, a.addr, 0xff, a.size);
    const ok = same(throughPages(w, pages, a.size), peek(mm, a.addr, a.size));
    if (child !== undefined) {
      expect(
        peek(child, a.addr, a.size).every((b) => b === 1),
        "the other process's page is unchanged",
      ).to.equal(true);
      child.exit();
    }
    w.gup.unpinUserPages(pages, n(a));
    return ok;
  };
}

const anonTests: readonly [string, AnonTest][] = [
  ['Basic COW after fork()', basicCow(false)],
  ['Basic COW after fork() with mprotect() optimization', basicCow(true)],
  ['vmsplice() + unmap in child', vmspliceInChild(false)],
  ['vmsplice() + unmap in child with mprotect() optimization', vmspliceInChild(true)],
  ['vmsplice() before fork(), unmap in parent after fork()', vmspliceBeforeFork],
  ['vmsplice() + unmap in parent after fork()', vmspliceAfterFork],
  ['R/O-mapping a page registered as iouring fixed buffer', roMappingFixedBuffer],
  ['fork() with an iouring fixed buffer', forkWithFixedBuffer],
  ['R/O GUP pin on R/O-mapped shared page', roPin('shared', false)],
  ['R/O GUP-fast pin on R/O-mapped shared page', roPin('shared', true)],
  ['R/O GUP pin on R/O-mapped previously-shared page', roPin('previously-shared', false)],
  ['R/O GUP-fast pin on R/O-mapped previously-shared page', roPin('previously-shared', true)],
  ['R/O GUP pin on R/O-mapped exclusive page', roPin('exclusive', false)],
  ['R/O GUP-fast pin on R/O-mapped exclusive page', roPin('exclusive', true)],
];

describe('cow.c anonymous tests (S60–S70) on every anonymous memory type', () => {
  for (const [name, test] of anonTests) {
    for (const t of anonTypes) {
      it(`${name} ... with ${t.name}`, async () => {
        const w = await mmWorld({ thp: 'madvise' });
        const mm = w.mm.createMm('parent');
        const area = t.setup(w, mm);
        expect(test(w, mm, area)).to.equal(true);
        expect(w.pinsOutstanding(), 'acq == rel').to.equal(0);
        mm.exit();
        expect(w.findings(), 'no sanitizer findings').to.deep.equal([]);
        expect(w.mem.nrFreePages(), 'everything freed').to.equal(w.mem.totalPages - 1);
      });
    }
  }
});

describe('cow.c non-anonymous tests (S72–S74)', () => {
  interface NonAnon {
    readonly name: string;
    setup(w: MmWorld, mm: MmStruct): Promise<{ mem: number; smem: number }>;
  }
  const types: readonly NonAnon[] = [
    {
      name: 'shared zeropage',
      setup(_w, mm) {
        const mem = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
        const smem = mm.mmap(0, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
        peek(mm, mem, 1);
        peek(mm, smem, 1);
        return Promise.resolve({ mem, smem });
      },
    },
    {
      name: 'memfd',
      setup(w, mm) {
        const f = w.mm.shmemFileSetup('memfd', P);
        const mem = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, f, 0);
        const smem = mm.mmap(0, P, PROT_READ, MAP_SHARED, f, 0);
        peek(mm, mem, 1);
        peek(mm, smem, 1);
        return Promise.resolve({ mem, smem });
      },
    },
    {
      name: 'tmpfile',
      async setup(w, mm) {
        const f = fakeFile(w.mm, w.mem, w.machine.scheduler, { size: P, fill: 0 });
        const mem = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, f.mmapFile, 0);
        const smem = mm.mmap(0, P, PROT_READ, MAP_SHARED, f.mmapFile, 0);
        const [r1, r2] = await Promise.all([
          mm.faultInReadable(mem, 1),
          mm.faultInReadable(smem, 1),
          w.machine.scheduler.run(),
        ]);
        expect(r1).to.equal(0);
        expect(r2).to.equal(0);
        return { mem, smem };
      },
    },
  ];
  for (const t of types) {
    it(`Basic COW ... with ${t.name}`, async () => {
      const w = await mmWorld();
      const mm = w.mm.createMm('p');
      const { mem, smem } = await t.setup(w, mm);
      memset(mm, mem, 0xff, P);
      expect(
        peek(mm, smem, P).every((b) => b === 0),
        'Other mapping modified',
      ).to.equal(true);
      mm.exit();
    });
    for (const fast of [false, true]) {
      it(`R/O longterm GUP${fast ? '-fast' : ''} pin ... with ${t.name}`, async () => {
        const w = await mmWorld();
        const mm = w.mm.createMm('p');
        const { mem } = await t.setup(w, mm);
        const pages: number[] = [];
        const r = fast
          ? w.gup.pinUserPagesFast(mm, mem, 1, FOLL_LONGTERM, pages)
          : w.gup.pinUserPages(mm, mem, 1, FOLL_LONGTERM, pages);
        expect(r).to.equal(1);
        memset(mm, mem, 0xff, P);
        expect(
          same(physPage(w.mem, pages[0] as number), peek(mm, mem, P)),
          'Longterm R/O pin is not reliable',
        ).to.equal(true);
        w.gup.unpinUserPages(pages, 1);
        expect(w.pinsOutstanding()).to.equal(0);
        mm.exit();
      });
    }
  }

  it('S74 negative control: a short-term R/O pin of a memfd MAP_PRIVATE page makes no such promise', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const f = w.mm.shmemFileSetup('memfd', P);
    const mem = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, f, 0);
    peek(mm, mem, 1);
    const pages: number[] = [];
    expect(w.gup.pinUserPages(mm, mem, 1, 0, pages)).to.equal(1);
    expect(w.mem.pageAnon(pages[0] as number), 'the pin is on the page-cache page').to.equal(false);
    memset(mm, mem, 0xff, P);
    expect(same(physPage(w.mem, pages[0] as number), peek(mm, mem, P))).to.equal(false);
    w.gup.unpinUserPages(pages, 1);
    mm.exit();
  });
});

describe('pin-aware fork and unmap (S80, S81, S85)', () => {
  it('S80: fork copies a pinned exclusive page for the child at once', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mapAnon(mm, P);
    memset(mm, a, 7, P);
    const pages: number[] = [];
    expect(w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE, pages)).to.equal(1);
    const child = mm.fork();
    expect(child.pagemap(a)?.pfn).to.not.equal(pages[0]);
    expect(mm.pagemap(a)?.pfn).to.equal(pages[0]);
    expect(mm.pagemap(a)?.writable, 'the parent PTE stays writable').to.equal(true);
    expect(peek(child, a, P).every((b) => b === 7)).to.equal(true);
    memset(mm, a, 8, P);
    expect(peek(child, a, P).every((b) => b === 7)).to.equal(true);
    expect(physPage(w.mem, pages[0] as number).every((b) => b === 8)).to.equal(true);
    w.gup.unpinUserPage(pages[0] as number);
    child.exit();
    mm.exit();
  });

  it('S81: a false-positive "pinned" page in an mm that never pinned is shared normally', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mapAnon(mm, P);
    memset(mm, a, 7, P);
    const pfn = mm.pagemap(a)?.pfn as number;
    for (let i = 0; i < 1024; i++) w.mem.getPage(pfn);
    expect(w.gup.folioMaybeDmaPinned(pfn)).to.equal(true);
    const child = mm.fork();
    expect(child.pagemap(a)?.pfn).to.equal(pfn);
    expect(mm.pagemap(a)?.writable).to.equal(false);
    for (let i = 0; i < 1024; i++) w.mem.putPage(pfn);
    child.exit();
    mm.exit();
  });

  it('S85: munmap of a pinned page keeps it alive until unpin; then it is freed', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mapAnon(mm, P);
    expect(mm.madvise(a, P, MADV_NOHUGEPAGE)).to.equal(0);
    memset(mm, a, 9, P);
    const pages: number[] = [];
    w.gup.pinUserPages(mm, a, 1, FOLL_WRITE, pages);
    const free0 = w.mem.nrFreePages();
    expect(mm.munmap(a, P)).to.equal(0);
    expect(w.mem.pageRefcount(pages[0] as number)).to.equal(1024);
    expect(physPage(w.mem, pages[0] as number).every((b) => b === 9)).to.equal(true);
    expect(w.mem.nrFreePages()).to.equal(free0);
    w.gup.unpinUserPage(pages[0] as number);
    expect(w.mem.pageRefcount(pages[0] as number)).to.equal(0);
    expect(w.mem.nrFreePages()).to.equal(free0 + 1);
    expect(
      physPage(w.mem, pages[0] as number).every((b) => b === 0),
      'freed data is gone',
    ).to.equal(true);
    mm.exit();
  });

  it('MAP_FIXED over a pinned range replaces the mapping; the pin still sees the old page', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mapAnon(mm, P);
    memset(mm, a, 3, P);
    const pages: number[] = [];
    w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE, pages);
    expect(mm.mmap(a, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)).to.equal(a);
    expect(peek(mm, a, P).every((b) => b === 0)).to.equal(true);
    expect(physPage(w.mem, pages[0] as number).every((b) => b === 3)).to.equal(true);
    w.gup.unpinUserPage(pages[0] as number);
    mm.exit();
  });
});
