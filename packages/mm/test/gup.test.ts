import { expect } from 'chai';
import { EFAULT, EINVAL, EOPNOTSUPP } from '@stackemu/core';
import {
  FOLL_ANON,
  FOLL_DUMP,
  FOLL_FORCE,
  FOLL_NOFAULT,
  MAP_FIXED,
  MAP_POPULATE,
  MADV_HUGEPAGE,
  MAP_SHARED,
  PROT_NONE,
  mmFollUnpin,
  FOLL_GET,
  FOLL_LONGTERM,
  FOLL_PCI_P2PDMA,
  FOLL_PIN,
  FOLL_WRITE,
  GUP_PIN_COUNTING_BIAS,
  MADV_NOHUGEPAGE,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  PAGE_SIZE,
  PageRefcountUnderflowError,
  PROT_READ,
  PROT_WRITE,
} from '@stackemu/mm';
import { fakeFile } from './fake-fs.js';
import { memset, mmWorld, peek, physPage, type MmWorld } from './helpers.js';

const P = PAGE_SIZE;

function anonPage(w: MmWorld, n = 1): { mm: ReturnType<MmWorld['mm']['createMm']>; addr: number } {
  const mm = w.mm.createMm('proc');
  const addr = mm.mmap(0, n * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  expect(addr).to.be.greaterThan(0);
  expect(mm.madvise(addr, n * P, MADV_NOHUGEPAGE)).to.equal(0);
  return { mm, addr };
}

describe('pinUserPages() / unpinUserPage() accounting (S1–S12)', () => {
  it('S1/S2: a pin adds GUP_PIN_COUNTING_BIAS to a small folio; unpin removes it', async () => {
    const w = await mmWorld();
    const { mm, addr } = anonPage(w);
    expect(memset(mm, addr, 1, P)).to.equal(0);
    const pages: number[] = [];
    const pfn = mm.pagemap(addr)?.pfn as number;
    expect(w.mem.pageRefcount(pfn)).to.equal(1);
    expect(w.gup.pinUserPages(mm, addr, 1, 0, pages)).to.equal(1);
    expect(pages[0]).to.equal(pfn);
    expect(w.mem.pageRefcount(pfn)).to.equal(1 + GUP_PIN_COUNTING_BIAS);
    expect(w.gup.folioMaybeDmaPinned(pfn)).to.equal(true);
    expect(w.vm('nr_foll_pin_acquired')).to.equal(1);
    w.gup.unpinUserPage(pfn);
    expect(w.mem.pageRefcount(pfn)).to.equal(1);
    expect(w.gup.folioMaybeDmaPinned(pfn)).to.equal(false);
    expect(w.vm('nr_foll_pin_released')).to.equal(1);
    expect(w.pinsOutstanding()).to.equal(0);
    expect(w.findings()).to.have.length(0);
  });

  it('S6: pinning twice adds 2048; one unpin leaves it maybe-pinned', async () => {
    const w = await mmWorld();
    const { mm, addr } = anonPage(w);
    memset(mm, addr, 1, P);
    const a: number[] = [];
    const b: number[] = [];
    expect(w.gup.pinUserPagesFast(mm, addr, 1, FOLL_WRITE, a)).to.equal(1);
    expect(w.gup.pinUserPages(mm, addr, 1, 0, b)).to.equal(1);
    expect(w.mem.pageRefcount(a[0] as number)).to.equal(1 + 2 * GUP_PIN_COUNTING_BIAS);
    expect(w.vm('nr_foll_pin_acquired')).to.equal(2);
    w.gup.unpinUserPage(a[0] as number);
    expect(w.gup.pageMaybeDmaPinned(a[0] as number)).to.equal(true);
    w.gup.unpinUserPage(b[0] as number);
    expect(w.pinsOutstanding()).to.equal(0);
  });

  it('S7: a short-term R/O pin of a never-written page returns the zero page, uncounted', async () => {
    const w = await mmWorld();
    const { mm, addr } = anonPage(w);
    expect(mm.copyFromUser(new Uint8Array(P), 0, addr, P)).to.equal(0);
    const pages: number[] = [];
    const rc = w.mem.pageRefcount(w.mem.zeroPfn);
    expect(w.gup.pinUserPages(mm, addr, 1, 0, pages)).to.equal(1);
    expect(pages[0]).to.equal(w.mem.zeroPfn);
    expect(w.mem.pageRefcount(w.mem.zeroPfn)).to.equal(rc);
    expect(w.vm('nr_foll_pin_acquired')).to.equal(0);
    w.gup.unpinUserPages(pages, 1);
    expect(w.vm('nr_foll_pin_released')).to.equal(0);
    expect(w.gup.folioMaybeDmaPinned(w.mem.zeroPfn)).to.equal(false);
  });

  it('S8: a LONGTERM R/O pin of the zero page unshares into an exclusive anon copy mapped R/O', async () => {
    const w = await mmWorld();
    const { mm, addr } = anonPage(w);
    mm.copyFromUser(new Uint8Array(8), 0, addr, 8);
    const pages: number[] = [];
    expect(w.gup.pinUserPages(mm, addr, 1, FOLL_LONGTERM, pages)).to.equal(1);
    const pfn = pages[0] as number;
    expect(pfn).to.not.equal(w.mem.zeroPfn);
    const pm = mm.pagemap(addr);
    expect(pm?.pfn).to.equal(pfn);
    expect(pm?.writable).to.equal(false);
    expect(pm?.anonExclusive).to.equal(true);
    expect(w.vm('nr_foll_pin_acquired')).to.equal(1);
    w.gup.unpinUserPage(pfn);
    expect(w.pinsOutstanding()).to.equal(0);
  });

  it('S9: 1023 extra FOLL_GET references make a small folio look pinned (documented false positive)', async () => {
    const w = await mmWorld();
    const { mm, addr } = anonPage(w);
    memset(mm, addr, 1, P);
    const pfn = mm.pagemap(addr)?.pfn as number;
    for (let i = 0; i < 1023; i++) w.mem.getPage(pfn);
    expect(w.gup.folioMaybeDmaPinned(pfn)).to.equal(true);
    for (let i = 0; i < 1023; i++) w.mem.putPage(pfn);
    expect(w.gup.folioMaybeDmaPinned(pfn)).to.equal(false);
  });

  it('S10: put_page() on a pin leaves 1024 references and the pin counted; the sanitizer reports it', async () => {
    const w = await mmWorld();
    const { mm, addr } = anonPage(w);
    memset(mm, addr, 1, P);
    const pages: number[] = [];
    w.gup.pinUserPages(mm, addr, 1, 0, pages);
    w.mem.putPage(pages[0] as number);
    expect(w.mem.pageRefcount(pages[0] as number)).to.equal(GUP_PIN_COUNTING_BIAS);
    expect(w.gup.folioMaybeDmaPinned(pages[0] as number)).to.equal(true);
    expect(w.pinsOutstanding()).to.equal(1);
    const f = w.findings('put_page_on_pin');
    expect(f).to.have.length(1);
    expect(f[0]?.pfn).to.equal(pages[0]);
    expect(f[0]?.origin).to.match(/pin_user_pages by proc/);
  });

  it('S11: unpin of a FOLL_GET page underflows: reported and thrown', async () => {
    const w = await mmWorld();
    const { mm, addr } = anonPage(w);
    memset(mm, addr, 1, P);
    const pages: number[] = [];
    expect(w.gup.getUserPages(mm, addr, 1, 0, pages)).to.equal(1);
    expect(() => {
      w.gup.unpinUserPage(pages[0] as number);
    }).to.throw(PageRefcountUnderflowError);
    expect(w.findings('unpin_of_get')).to.have.length(1);
    expect(w.findings('refcount_underflow')).to.have.length(1);
    expect(w.mem.pageRefcount(pages[0] as number)).to.equal(2);
  });

  it('S12: get_user_pages_fast + put_page moves neither pin counter', async () => {
    const w = await mmWorld();
    const { mm, addr } = anonPage(w, 4);
    memset(mm, addr, 1, 4 * P);
    const pages: number[] = [];
    expect(w.gup.getUserPagesFast(mm, addr, 4, FOLL_WRITE, pages)).to.equal(4);
    for (const p of pages) expect(w.mem.pageRefcount(p)).to.equal(2);
    for (const p of pages) w.mem.putPage(p);
    expect(w.vm('nr_foll_pin_acquired')).to.equal(0);
    expect(w.vm('nr_foll_pin_released')).to.equal(0);
    expect(w.findings()).to.have.length(0);
  });
});

describe('GUP argument checks and return values (S20–S37)', () => {
  it('S20–S27: is_valid_gup_args() and its per-entry-point return value', async () => {
    const w = await mmWorld();
    const { mm, addr } = anonPage(w);
    memset(mm, addr, 1, P);
    const pages: number[] = [];
    expect(w.gup.pinUserPages(mm, addr, 1, FOLL_GET, pages), 'S20').to.equal(0);
    expect(w.gup.pinUserPagesFast(mm, addr, 1, FOLL_GET, pages), 'S21').to.equal(-EINVAL);
    expect(w.gup.getUserPages(mm, addr, 1, FOLL_LONGTERM, pages), 'S22').to.equal(-EINVAL);
    expect(w.gup.pinUserPages(mm, addr, 1, 0, undefined as unknown as number[]), 'S23').to.equal(0);
    expect(w.gup.getUserPages(mm, addr, 1, FOLL_PIN, pages), 'S24').to.equal(-EINVAL);
    expect(w.gup.pinUserPages(mm, addr, 1, FOLL_LONGTERM | FOLL_PCI_P2PDMA, pages), 'S25').to.equal(0);
    expect(w.gup.getUserPagesFast(mm, addr, 1, FOLL_DUMP, pages), 'S26').to.equal(-EINVAL);
    expect(w.gup.pinUserPagesFast(mm, addr, 0, 0, pages), 'S27').to.equal(0);
    expect(w.pinsOutstanding()).to.equal(0);
  });

  it('S28/S29: partial success stops at a hole; a hole first is -EFAULT', async () => {
    const w = await mmWorld();
    const { mm, addr } = anonPage(w, 4);
    memset(mm, addr, 2, 4 * P);
    expect(mm.munmap(addr + 3 * P, P)).to.equal(0);
    const pages: number[] = [];
    expect(w.gup.pinUserPages(mm, addr, 5, FOLL_WRITE, pages)).to.equal(3);
    expect(w.pinsOutstanding()).to.equal(3);
    w.gup.unpinUserPages(pages, 3);
    expect(w.pinsOutstanding()).to.equal(0);
    expect(w.gup.pinUserPagesFast(mm, addr + 3 * P, 1, 0, [])).to.equal(-EFAULT);
    expect(w.pinsOutstanding()).to.equal(0);
  });
});

describe('GUP on THPs (S3–S5)', () => {
  function thpArea(w: MmWorld): { mm: ReturnType<MmWorld['mm']['createMm']>; addr: number; head: number } {
    const mm = w.mm.createMm('proc');
    const raw = mm.mmap(0, 4 * 1024 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    const addr = Math.ceil(raw / (2 * 1024 * 1024)) * 2 * 1024 * 1024;
    memset(mm, addr, 1, 2 * 1024 * 1024);
    const pm = mm.pagemap(addr);
    expect(pm?.pmdMapped).to.equal(true);
    return { mm, addr, head: pm?.pfn as number };
  }

  it('S3: pinning 512 subpages adds 512 to refcount and pincount, and 512 to nr_foll_pin_acquired', async () => {
    const w = await mmWorld();
    const { mm, addr, head } = thpArea(w);
    const pages: number[] = [];
    expect(w.mem.folioOrder(head)).to.equal(9);
    expect(w.gup.pinUserPages(mm, addr, 512, FOLL_WRITE, pages)).to.equal(512);
    expect(pages[511]).to.equal(head + 511);
    expect(w.mem.pageRefcount(head)).to.equal(1 + 512);
    expect(w.mem.folioPincount(head)).to.equal(512);
    expect(w.vm('nr_foll_pin_acquired')).to.equal(512);
    expect(w.gup.folioMaybeDmaPinned(head + 77)).to.equal(true);
    w.gup.unpinUserPages(pages, 512);
  });

  it('S4: unpinning each subpage separately balances', async () => {
    const w = await mmWorld();
    const { mm, addr, head } = thpArea(w);
    const pages: number[] = [];
    w.gup.pinUserPagesFast(mm, addr, 512, FOLL_WRITE, pages);
    for (const p of pages) w.gup.unpinUserPage(p);
    expect(w.mem.folioPincount(head)).to.equal(0);
    expect(w.mem.pageRefcount(head)).to.equal(1);
    expect(w.vm('nr_foll_pin_released')).to.equal(512);
    expect(w.pinsOutstanding()).to.equal(0);
    expect(w.gup.folioMaybeDmaPinned(head)).to.equal(false);
  });

  it('S5: unpin_user_pages() releases the run with one gup_put_folio()', async () => {
    const w = await mmWorld();
    const { mm, addr, head } = thpArea(w);
    const pages: number[] = [];
    w.gup.pinUserPages(mm, addr + 4096, 100, 0, pages);
    const events: number[] = [];
    const sub = w.machine.trace.topic(mmFollUnpin).subscribe((e) => events.push(e.refs));
    w.gup.unpinUserPages(pages, 100);
    sub.unsubscribe();
    expect(events).to.deep.equal([100]);
    expect(w.mem.pageRefcount(head)).to.equal(1);
    expect(w.pinsOutstanding()).to.equal(0);
  });

  it('a FOLL_GET on a THP adds one reference per subpage; put_page() releases them', async () => {
    const w = await mmWorld();
    const { mm, addr, head } = thpArea(w);
    const pages: number[] = [];
    expect(w.gup.getUserPagesFast(mm, addr, 512, 0, pages)).to.equal(512);
    expect(w.mem.pageRefcount(head)).to.equal(513);
    for (const p of pages) w.mem.putPage(p);
    expect(w.mem.pageRefcount(head)).to.equal(1);
  });
});

describe('GUP walk rules (S30–S37)', () => {
  it('S30: a range spanning two adjacent VMAs is returned whole', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    expect(mm.mmap(a + 2 * P, 2 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)).to.equal(a + 2 * P);
    expect(mm.vmas()).to.have.length(2);
    const pages: number[] = [];
    expect(w.gup.pinUserPagesFast(mm, a, 4, 0, pages)).to.equal(4);
    w.gup.unpinUserPages(pages, 4);
    expect(w.pinsOutstanding()).to.equal(0);
  });

  it('S32: FOLL_WRITE on a PROT_READ private mapping is -EFAULT; with FOLL_FORCE it COWs into an exclusive R/O page', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
    const pages: number[] = [];
    expect(w.gup.getUserPages(mm, a, 1, FOLL_WRITE, pages)).to.equal(-EFAULT);
    expect(w.gup.getUserPages(mm, a, 1, FOLL_WRITE | FOLL_FORCE, pages)).to.equal(1);
    const pm = mm.pagemap(a);
    expect(pm?.pfn).to.equal(pages[0]);
    expect(pm?.writable).to.equal(false);
    expect(pm?.anonExclusive).to.equal(true);
    w.mem.putPage(pages[0] as number);
  });

  it('S33: FOLL_WRITE|FOLL_FORCE on a PROT_READ shared mapping is -EFAULT', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, P, PROT_READ, MAP_SHARED | MAP_ANONYMOUS);
    expect(w.gup.getUserPages(mm, a, 1, FOLL_WRITE | FOLL_FORCE, [])).to.equal(-EFAULT);
  });

  it('S34: FOLL_NOFAULT on a never-touched page is -EFAULT', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    expect(w.gup.pinUserPagesFast(mm, a, 1, FOLL_NOFAULT, [])).to.equal(-EFAULT);
    expect(w.gup.getUserPages(mm, a, 1, FOLL_NOFAULT, [])).to.equal(-EFAULT);
  });

  it('S35: get_user_pages_fast_only() returns the present prefix', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    mm.madvise(a, 4 * P, MADV_NOHUGEPAGE);
    memset(mm, a, 1, 2 * P);
    memset(mm, a + 3 * P, 1, P);
    const pages: number[] = [];
    expect(w.gup.getUserPagesFastOnly(mm, a, 4, 0, pages)).to.equal(2);
    for (const p of pages) w.mem.putPage(p);
  });

  it('S36: FOLL_LONGTERM on an fsdax mapping is -EOPNOTSUPP', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const f = w.mm.shmemFileSetup('dax', P);
    const a = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, { ...f, dax: true }, 0);
    expect(w.gup.pinUserPages(mm, a, 1, FOLL_LONGTERM, [])).to.equal(-EOPNOTSUPP);
  });

  it('S37: FOLL_ANON on a file mapping is -EFAULT', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const f = w.mm.shmemFileSetup('f', P);
    const a = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
    expect(w.gup.pinUserPages(mm, a, 1, FOLL_ANON, [])).to.equal(-EFAULT);
  });

  it('R3.2: a range beyond TASK_SIZE_MAX is -EFAULT and a PROT_NONE page stops GUP-fast', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    expect(w.gup.pinUserPagesFast(mm, 2 ** 47 - P, 2, 0, [])).to.equal(-EFAULT);
    const a = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    memset(mm, a, 1, P);
    expect(mm.mprotect(a, P, PROT_NONE)).to.equal(0);
    expect(w.gup.pinUserPagesFast(mm, a, 1, 0, [])).to.equal(-EFAULT);
  });

  it('unpin_user_pages() with an error count is ignored (WARN_ON(IS_ERR_VALUE))', async () => {
    const w = await mmWorld();
    w.gup.unpinUserPages([1, 2, 3], -EFAULT);
    expect(w.vm('nr_foll_pin_released')).to.equal(0);
  });
});

describe('FOLL_LONGTERM on file mappings (S40–S45, gup_longterm.c)', () => {
  type Backing = 'memfd' | 'tmpfile';
  for (const backing of ['memfd', 'tmpfile'] as Backing[]) {
    for (const shared of [true, false]) {
      for (const rw of [true, false]) {
        for (const fast of [false, true]) {
          const shouldWork = !shared || !rw || backing === 'memfd';
          it(`${rw ? 'R/W' : 'R/O'} longterm GUP${fast ? '-fast' : ''} pin in MAP_${shared ? 'SHARED' : 'PRIVATE'} file mapping ... with ${backing}: ${shouldWork ? 'works' : '-EFAULT'}`, async () => {
            const w = await mmWorld();
            const mm = w.mm.createMm('p');
            const size = 4 * P;
            const mf =
              backing === 'memfd'
                ? w.mm.shmemFileSetup('memfd', size)
                : fakeFile(w.mm, w.mem, w.machine.scheduler, { size }).mmapFile;
            const a = mm.mmap(0, size, PROT_READ | PROT_WRITE, shared ? MAP_SHARED : MAP_PRIVATE, mf, 0);
            const [left] = await Promise.all([mm.faultInWriteable(a, size), w.machine.scheduler.run()]);
            expect(left).to.equal(0);
            expect(memset(mm, a, 0, size)).to.equal(0);
            const flags = FOLL_LONGTERM | (rw ? FOLL_WRITE : 0);
            const pages: number[] = [];
            const r = fast
              ? w.gup.pinUserPagesFast(mm, a, 4, flags, pages)
              : w.gup.pinUserPages(mm, a, 4, flags, pages);
            if (shouldWork) {
              expect(r).to.equal(4);
              if (!shared && rw) expect(w.mem.pageAnon(pages[0] as number), 'S43: COW broken into anon').to.equal(true);
              w.gup.unpinUserPages(pages, 4);
            } else expect(r).to.equal(-EFAULT);
            expect(w.pinsOutstanding()).to.equal(0);
            mm.exit();
          });
        }
      }
    }
  }

  it('S45: a short-term R/W pin of a MAP_SHARED file page is allowed', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler, { size: P });
    const a = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, f.mmapFile, 0);
    await Promise.all([mm.faultInWriteable(a, P), w.machine.scheduler.run()]);
    const pages: number[] = [];
    expect(w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE, pages)).to.equal(1);
    expect(w.mem.pageAnon(pages[0] as number)).to.equal(false);
    w.gup.unpinUserPages(pages, 1);
  });

  it('S44: a R/O long-term pin of a MAP_PRIVATE file page sees later writes', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler, { size: P });
    const a = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE, f.mmapFile, 0);
    await Promise.all([mm.faultInReadable(a, P), w.machine.scheduler.run()]);
    const pages: number[] = [];
    expect(w.gup.pinUserPages(mm, a, 1, FOLL_LONGTERM, pages)).to.equal(1);
    memset(mm, a, 0x5a, P);
    expect(physPage(w.mem, pages[0] as number).every((b) => b === 0x5a)).to.equal(true);
    expect(f.disk.get(0)?.every((b) => b === 0x11)).to.equal(true);
    w.gup.unpinUserPages(pages, 1);
  });
});

describe('FOLL_LONGTERM migration out of ZONE_MOVABLE (S46, S47)', () => {
  it('S46: a long-term pin migrates the page out of ZONE_MOVABLE first', async () => {
    const w = await mmWorld({ movablecore: '128m' });
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    memset(mm, a, 0x42, P);
    const before = mm.pagemap(a)?.pfn as number;
    expect(w.mem.pageZone(before)).to.equal('Movable');
    const pages: number[] = [];
    expect(w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE | FOLL_LONGTERM, pages)).to.equal(1);
    const after = pages[0] as number;
    expect(after).to.not.equal(before);
    expect(w.mem.pageZone(after)).to.equal('Normal');
    expect(mm.pagemap(a)?.pfn).to.equal(after);
    expect(physPage(w.mem, after).every((b) => b === 0x42)).to.equal(true);
    expect(w.vm('pgmigrate_success')).to.equal(1);
    expect(w.vm('nr_foll_pin_acquired')).to.be.at.least(1);
    expect(w.pinsOutstanding()).to.equal(1);
    expect(w.mem.pageRefcount(before)).to.equal(0);
    w.gup.unpinUserPages(pages, 1);
    expect(w.pinsOutstanding()).to.equal(0);
  });

  it('S46 (THP): a PMD-mapped THP in ZONE_MOVABLE migrates whole', async () => {
    const w = await mmWorld({ movablecore: '128m' });
    const mm = w.mm.createMm('p');
    const raw = mm.mmap(0, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    const a = Math.ceil(raw / (2 << 20)) * (2 << 20);
    memset(mm, a, 0x33, 2 << 20);
    const pages: number[] = [];
    expect(w.gup.pinUserPages(mm, a + 8 * P, 4, FOLL_WRITE | FOLL_LONGTERM, pages)).to.equal(4);
    expect(w.mem.pageZone(pages[0] as number)).to.equal('Normal');
    expect(mm.pagemap(a)?.pmdMapped).to.equal(true);
    expect(mm.pagemap(a + 8 * P)?.pfn).to.equal(pages[0]);
    expect(peek(mm, a, 2 << 20).every((b) => b === 0x33)).to.equal(true);
    w.gup.unpinUserPages(pages, 4);
    expect(w.pinsOutstanding()).to.equal(0);
  });

  it('S47: a short-term pin does not migrate', async () => {
    const w = await mmWorld({ movablecore: '128m' });
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    memset(mm, a, 1, P);
    const before = mm.pagemap(a)?.pfn as number;
    const pages: number[] = [];
    expect(w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE, pages)).to.equal(1);
    expect(pages[0]).to.equal(before);
    expect(w.gup.folioIsLongtermPinnable(before)).to.equal(false);
    w.gup.unpinUserPages(pages, 1);
  });
});

describe('gup_test ioctl runs (S90, S91)', () => {
  it('S90/S91: 128 MB private, prefaulted: GUP-fast per page and PIN-fast whole range', async () => {
    const w = await mmWorld({ mem: '512m' });
    const mm = w.mm.createMm('gup_test');
    const size = 128 << 20;
    const a = mm.mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
    const n = size / P;
    const pages: number[] = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      expect(w.gup.getUserPagesFast(mm, a + i * P, 1, FOLL_WRITE, pages)).to.equal(1);
      w.mem.putPage(pages[0] as number);
    }
    expect(w.vm('nr_foll_pin_acquired')).to.equal(0);
    expect(w.gup.pinUserPagesFast(mm, a, n, FOLL_WRITE, pages)).to.equal(n);
    for (let i = 0; i < n; i += 997) expect(w.gup.pageMaybeDmaPinned(pages[i] as number)).to.equal(true);
    w.gup.unpinUserPages(pages, n);
    expect(w.vm('nr_foll_pin_acquired')).to.equal(32768);
    expect(w.pinsOutstanding()).to.equal(0);
    mm.exit();
  });
});

describe('memfdPinFolios() (S48)', () => {
  it('pins each folio of a shmem memfd once; unpin_folios balances; a regular file is -EINVAL', async () => {
    const w = await mmWorld();
    const f = w.mm.shmemFileSetup('memfd', 3 * P);
    const folios: number[] = [];
    expect(w.gup.memfdPinFolios(f, 0, 3 * P - 1, folios, 8)).to.equal(3);
    expect(new Set(folios.slice(0, 3)).size).to.equal(3);
    for (const p of folios.slice(0, 3)) expect(w.mem.pageRefcount(p)).to.equal(1 + GUP_PIN_COUNTING_BIAS);
    expect(w.vm('nr_foll_pin_acquired')).to.equal(3);
    w.gup.unpinFolios(folios, 3);
    expect(w.pinsOutstanding()).to.equal(0);
    expect(w.gup.memfdPinFolios(f, 0, 3 * P, folios, 8), 'end >= i_size').to.equal(-EINVAL);
    expect(w.gup.memfdPinFolios(f, P, 0, folios, 8), 'start > end').to.equal(-EINVAL);
    expect(w.gup.memfdPinFolios(f, 0, P, folios, 0), 'max_folios == 0').to.equal(-EINVAL);
    const reg = fakeFile(w.mm, w.mem, w.machine.scheduler).mmapFile;
    expect(w.gup.memfdPinFolios(reg, 0, P - 1, folios, 8)).to.equal(-EINVAL);
  });
});

describe('gup_test runs (S92–S96)', () => {
  it('S92 (-L -t -w): long-term writable pins of a THP range: every page pinned and long-term pinnable', async () => {
    const w = await mmWorld({ mem: '512m', movablecore: '128m' });
    const mm = w.mm.createMm('gup_test');
    const size = 8 << 20;
    const a = mm.mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
    mm.madvise(a, size, MADV_HUGEPAGE);
    const pages: number[] = [];
    expect(w.gup.pinUserPages(mm, a, size / P, FOLL_WRITE | FOLL_LONGTERM, pages)).to.equal(size / P);
    for (const p of pages) {
      expect(w.gup.pageMaybeDmaPinned(p)).to.equal(true);
      expect(w.gup.folioIsLongtermPinnable(p)).to.equal(true);
    }
    w.gup.unpinUserPages(pages, pages.length);
    expect(w.pinsOutstanding()).to.equal(0);
  });

  it('S93 (-ct -F 0x1 0 19 0x1000): dump pages via FOLL_GET of a THP range', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('gup_test');
    const size = 32 << 20;
    const a = mm.mmap(0, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
    const pages: number[] = [];
    expect(w.gup.getUserPages(mm, a, size / P, FOLL_WRITE, pages)).to.equal(size / P);
    for (const i of [0, 19, 0x1000]) expect(w.mem.pageRefcount(pages[i] as number)).to.be.at.least(2);
    for (const p of pages) w.mem.putPage(p);
    expect(w.vm('nr_foll_pin_acquired')).to.equal(0);
  });

  it('S94 (-b -S -W -n 123): MAP_SHARED /dev/zero (shmem), chunks of 123, last one clipped', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('gup_test');
    const size = 4 << 20;
    const a = mm.mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE);
    const n = size / P;
    let done = 0;
    while (done < n) {
      const chunk = Math.min(123, n - done);
      const pages: number[] = [];
      const r = w.gup.pinUserPages(mm, a + done * P, chunk, 0, pages);
      expect(r).to.equal(chunk);
      for (const p of pages) expect(w.gup.pageMaybeDmaPinned(p)).to.equal(true);
      w.gup.unpinUserPages(pages, r);
      done += r;
    }
    expect(done).to.equal(n);
    expect(w.vm('nr_foll_pin_acquired')).to.equal(n);
    expect(w.pinsOutstanding()).to.equal(0);
  });

  it('S96: a long-term writable pin of a prefaulted MAP_SHARED block-fs file fails at once: nothing held', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('gup_test');
    const f = fakeFile(w.mm, w.mem, w.machine.scheduler, { size: 16 * P });
    const a = mm.mmap(0, 16 * P, PROT_READ | PROT_WRITE, MAP_SHARED, f.mmapFile, 0);
    await Promise.all([mm.faultInWriteable(a, 16 * P), w.machine.scheduler.run()]);
    const pages: number[] = [];
    let size = 0;
    for (let done = 0; done < 16;) {
      const r = w.gup.pinUserPages(mm, a + done * P, 4, FOLL_WRITE | FOLL_LONGTERM, pages);
      if (r <= 0) {
        expect(r).to.equal(-EFAULT);
        break;
      }
      done += r;
      size = done * P;
    }
    expect(size).to.equal(0);
    expect(w.pinsOutstanding()).to.equal(0);
    expect(w.vm('nr_foll_pin_acquired')).to.equal(0);
  });
});

describe('FOLL_DUMP (get_dump_page)', () => {
  it('an anonymous hole or the zero page is -EFAULT; a present page is returned', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    memset(mm, a, 1, P);
    peek(mm, a + P, 1);
    const pages: number[] = [];
    expect(w.gup.getUserPages(mm, a, 1, FOLL_DUMP | FOLL_FORCE, pages)).to.equal(1);
    w.mem.putPage(pages[0] as number);
    expect(w.gup.getUserPages(mm, a + P, 1, FOLL_DUMP | FOLL_FORCE, pages), 'zero page').to.equal(-EFAULT);
    expect(w.gup.getUserPages(mm, a + 2 * P, 1, FOLL_DUMP | FOLL_FORCE, pages), 'hole').to.equal(-EFAULT);
    expect(mm.pagemap(a + 2 * P), 'not faulted in').to.equal(undefined);
  });
});
