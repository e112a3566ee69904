import { expect } from 'chai';
import { EACCES, EBADF, EEXIST, EFAULT, EINVAL, ENOMEM, EOPNOTSUPP, EPERM, Errno } from '@stackemu/core';
import {
  MADV_DONTNEED,
  MADV_FREE,
  MADV_HUGEPAGE,
  MADV_MERGEABLE,
  MADV_POPULATE_WRITE,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_HUGETLB,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  PAGE_SIZE,
  PMD_SIZE,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
} from '@stackemu/mm';
import { memset, mmWorld, peek } from './helpers.js';

const P = PAGE_SIZE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const RW = PROT_READ | PROT_WRITE;

describe('MmStruct.mmap()', () => {
  it('returns distinct, non-overlapping, page-aligned areas top-down', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 3 * P, RW, ANON);
    const b = mm.mmap(0, P, RW, ANON);
    const c = mm.mmap(0, 100, RW, MAP_SHARED | MAP_ANONYMOUS);
    expect(new Set([a, b, c]).size).to.equal(3);
    const v = mm.vmas();
    for (let i = 1; i < v.length; i++)
      expect((v[i - 1] as { end: number }).end).to.be.at.most((v[i] as { start: number }).start);
    expect(b).to.be.below(a);
    expect(c % P).to.equal(0);
    expect(v.find((x) => x.start === c)?.flags).to.satisfy((f: number) => (f & VM_SHARED) !== 0);
  });

  it('aligns large anonymous mappings to PMD_SIZE for THP', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    mm.mmap(0, P, RW, ANON);
    const a = mm.mmap(0, 2 * PMD_SIZE, RW, ANON);
    expect(a % PMD_SIZE).to.equal(0);
    memset(mm, a, 1, 1);
    expect(mm.pagemap(a)?.pmdMapped).to.equal(true);
    expect(w.vm('thp_fault_alloc')).to.equal(1);
    expect(w.vm('nr_anon_transparent_hugepages')).to.equal(1);
  });

  it('the kernel error for each bad request', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    expect(mm.mmap(0, 0, RW, ANON)).to.equal(-EINVAL);
    expect(mm.mmap(0, P, RW, MAP_PRIVATE)).to.equal(-EBADF);
    expect(mm.mmap(0, P, RW, MAP_ANONYMOUS)).to.equal(-EINVAL);
    expect(mm.mmap(0, P, RW, ANON | MAP_HUGETLB)).to.equal(-ENOMEM);
    expect(mm.mmap(0x10001, P, RW, ANON | MAP_FIXED)).to.equal(-EINVAL);
    expect(mm.mmap(0x1000, P, RW, ANON | MAP_FIXED)).to.equal(-EPERM);
    const a = mm.mmap(0, P, RW, ANON);
    expect(mm.mmap(a, P, RW, ANON | MAP_FIXED_NOREPLACE)).to.equal(-EEXIST);
    const f = w.mm.shmemFileSetup('ro', P);
    expect(mm.mmap(0, P, RW, MAP_SHARED, { ...f, mayWrite: false }, 0)).to.equal(-EACCES);
    const ro = mm.mmap(0, P, PROT_READ, MAP_SHARED, { ...f, mayWrite: false }, 0);
    expect(mm.mprotect(ro, P, RW)).to.equal(-EACCES);
    expect(mm.mmap(0, 2 ** 48, RW, ANON)).to.equal(-ENOMEM);
  });

  it('a hint address is used when free', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    expect(mm.mmap(0x10000000, P, RW, ANON)).to.equal(0x10000000);
    expect(mm.mmap(0x10000000, P, RW, ANON)).to.not.equal(0x10000000);
  });

  it('MAP_POPULATE prefaults: pages are present and counted', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 8 * P, RW, ANON | MAP_POPULATE);
    expect(mm.rss()).to.equal(8);
    expect(mm.pagemap(a + 7 * P)?.writable).to.equal(true);
    expect(w.vm('nr_anon_pages')).to.equal(8);
    mm.exit();
    expect(w.vm('nr_anon_pages')).to.equal(0);
  });
});

describe('MmStruct.munmap() / mprotect() / madvise()', () => {
  it('munmap splits VMAs and frees the pages; bad arguments are -EINVAL', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 4 * P, RW, ANON);
    memset(mm, a, 1, 4 * P);
    const free = w.mem.nrFreePages();
    expect(mm.munmap(a + P, P)).to.equal(0);
    expect(mm.vmas()).to.have.length(2);
    expect(w.mem.nrFreePages()).to.equal(free + 1);
    expect(mm.copyToUser(a + P, new Uint8Array(1), 0, 1)).to.equal(1);
    expect(mm.munmap(a + 1, P)).to.equal(-EINVAL);
    expect(mm.munmap(a, 0)).to.equal(-EINVAL);
    expect(mm.munmap(a + 10 * P, P), 'unmapping nothing is fine').to.equal(0);
  });

  it('mprotect: PROT_READ makes stores fault; -ENOMEM over a hole', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 2 * P, RW, ANON);
    memset(mm, a, 5, 2 * P);
    expect(mm.mprotect(a, P, PROT_READ)).to.equal(0);
    expect(mm.copyToUser(a, new Uint8Array(1), 0, 1)).to.equal(1);
    expect(mm.handleMmFault(a, true)).to.equal(-EFAULT);
    expect(peek(mm, a, 1)[0]).to.equal(5);
    expect(mm.mprotect(a, P, PROT_NONE)).to.equal(0);
    expect(mm.copyFromUser(new Uint8Array(1), 0, a, 1)).to.equal(1);
    expect(mm.mprotect(a, P, RW)).to.equal(0);
    expect(mm.pagemap(a)?.writable, 'exclusive anon page made writable again at once').to.equal(true);
    expect(mm.vmas().map((v) => v.flags & (VM_READ | VM_WRITE))).to.deep.equal([
      VM_READ | VM_WRITE,
      VM_READ | VM_WRITE,
    ]);
    expect(mm.mprotect(a, 4 * P, PROT_READ)).to.equal(-ENOMEM);
    expect(mm.mprotect(a + 1, P, PROT_READ)).to.equal(-EINVAL);
  });

  it('madvise: DONTNEED zaps (anon reads zeros again), unknown advice -EINVAL, KSM -EINVAL, unmodelled advice throws', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 2 * P, RW, ANON);
    memset(mm, a, 5, 2 * P);
    expect(mm.madvise(a, P, MADV_DONTNEED)).to.equal(0);
    expect(peek(mm, a, 1)[0]).to.equal(0);
    expect(peek(mm, a + P, 1)[0]).to.equal(5);
    expect(mm.madvise(a, P, 99)).to.equal(-EINVAL);
    expect(mm.madvise(a, P, MADV_MERGEABLE)).to.equal(-EINVAL);
    expect(() => mm.madvise(a, P, MADV_FREE))
      .to.throw(Errno)
      .with.property('errno', EOPNOTSUPP);
    expect(mm.madvise(a, 4 * P, MADV_HUGEPAGE)).to.equal(-ENOMEM);
    expect(mm.madvise(a, 2 * P, MADV_POPULATE_WRITE)).to.equal(0);
  });
});

describe('MmStruct user copies, faults and counters', () => {
  it('copyToUser/copyFromUser stop at the first bad address and return the bytes not copied', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 2 * P, RW, ANON);
    mm.munmap(a + P, P);
    const src = new Uint8Array(P + 100).fill(3);
    expect(mm.copyToUser(a + 100, src, 0, P)).to.equal(100);
    expect(mm.copyFromUser(new Uint8Array(P), 0, a + 200, P)).to.equal(200);
    expect(mm.handleMmFault(a + P, false)).to.equal(-EFAULT);
    expect(w.vm('pgfault')).to.be.at.least(1);
  });

  it('exit() unmaps everything and returns every page', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 4 * PMD_SIZE, RW, ANON);
    memset(mm, a, 1, 4 * PMD_SIZE);
    const child = mm.fork();
    memset(child, a, 2, P);
    mm.exit();
    child.exit();
    expect(mm.exited).to.equal(true);
    expect(w.mem.nrFreePages()).to.equal(w.mem.totalPages - 1);
    expect(w.vm('nr_anon_pages')).to.equal(0);
    expect(mm.mmap(0, P, RW, ANON)).to.equal(-EFAULT);
  });
});
