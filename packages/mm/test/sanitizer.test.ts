/**
 * The pin sanitizer: every finding kind is triggered by the misuse it names, and the correct use of the API
 * reports nothing.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  FOLL_WRITE,
  MADV_NOHUGEPAGE,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  mmPinSanitizer,
  PAGE_SIZE,
  PageRefcountUnderflowError,
  PROT_READ,
  PROT_WRITE,
  type MmStruct,
  type RefOwner,
  type SanitizerFinding,
} from '@stackemu/mm';
import { fakeFile } from './fake-fs.js';
import { memset, mmWorld, owner, type MmWorld } from './helpers.js';

const P = PAGE_SIZE;

function anon(w: MmWorld, name = 'proc'): { mm: MmStruct; a: number; pfn: number } {
  const mm = w.mm.createMm(name);
  const a = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  mm.madvise(a, P, MADV_NOHUGEPAGE);
  memset(mm, a, 1, P);
  return { mm, a, pfn: mm.pagemap(a)?.pfn as number };
}

function only(w: MmWorld, kind: SanitizerFinding['kind']): SanitizerFinding {
  const all = w.findings();
  expect(all.map((f) => f.kind)).to.deep.equal([kind]);
  expect(w.counters.get(kind)?.value, 'counter').to.equal(1);
  return all[0] as SanitizerFinding;
}

/** A MAP_SHARED file page, GUP'd for write (dirtied by the write fault), then cleaned by writeback. */
async function cleanedSharedFilePage(
  w: MmWorld,
  pin: boolean,
): Promise<{ mm: MmStruct; pages: number[]; file: ReturnType<typeof fakeFile> }> {
  const file = fakeFile(w.mm, w.mem, w.machine.scheduler, { size: P });
  const mm = w.mm.createMm('dio');
  const a = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_SHARED, file.mmapFile, 0);
  await Promise.all([mm.faultInWriteable(a, P), w.machine.scheduler.run()]);
  const pages: number[] = [];
  const bio = owner('bio#1');
  const n = pin
    ? w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE, pages, bio)
    : w.gup.getUserPagesFast(mm, a, 1, FOLL_WRITE, pages, bio);
  expect(n).to.equal(1);
  expect(w.mem.pageDirty(pages[0] as number)).to.equal(true);
  const [r] = await Promise.all([w.flusher.syncAll(), w.machine.scheduler.run()]);
  expect(r).to.equal(0);
  expect(w.mem.pageDirty(pages[0] as number), 'writeback cleaned the page').to.equal(false);
  expect(mm.pagemap(a)?.writable, 'folio_mkclean write-protected the PTE').to.equal(false);
  return { mm, pages, file };
}

describe('Sanitizer', () => {
  it('put_page_on_pin: put_page() on a FOLL_PIN page names the page, the pin and the offender', async () => {
    const w = await mmWorld();
    const { mm, a, pfn } = anon(w);
    const bio = owner('bio#7');
    const pages: number[] = [];
    w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE, pages, bio);
    const seen: SanitizerFinding[] = [];
    const sub = w.machine.trace.topic(mmPinSanitizer).subscribe((f) => seen.push(f));
    w.mem.putPage(pfn, bio);
    sub.unsubscribe();
    const f = only(w, 'put_page_on_pin');
    expect(f.pfn).to.equal(pfn);
    expect(f.origin).to.equal(`pin_user_pages_fast by bio#7 at 0x${a.toString(16)}`);
    expect(f.offender).to.equal('put_page by bio#7');
    expect(seen).to.deep.equal([f]);
  });

  it('put_page_on_pin: not reported for unpin_user_page()', async () => {
    const w = await mmWorld();
    const { mm, a, pfn } = anon(w);
    w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE, [], owner('bio'));
    w.gup.unpinUserPage(pfn, owner('bio'));
    expect(w.findings()).to.deep.equal([]);
  });

  it('unpin_of_get: unpin_user_page() on a FOLL_GET page (it underflows too)', async () => {
    const w = await mmWorld();
    const { mm, a, pfn } = anon(w);
    w.gup.getUserPagesFast(mm, a, 1, 0, [], owner('bio'));
    expect(() => {
      w.gup.unpinUserPage(pfn, owner('bio'));
    }).to.throw(PageRefcountUnderflowError);
    expect(w.findings().map((f) => f.kind)).to.deep.equal(['unpin_of_get', 'refcount_underflow']);
  });

  it('unpin_of_get: reported even when the refcount hides it (1024 FOLL_GET references)', async () => {
    const w = await mmWorld();
    const { pfn } = anon(w);
    for (let i = 0; i < 1024; i++) w.mem.getPage(pfn);
    w.gup.unpinUserPage(pfn);
    only(w, 'unpin_of_get');
  });

  it('unpin_of_get: not reported for put_page() of a FOLL_GET page', async () => {
    const w = await mmWorld();
    const { mm, a, pfn } = anon(w);
    w.gup.getUserPagesFast(mm, a, 1, 0, []);
    w.mem.putPage(pfn);
    expect(w.findings()).to.deep.equal([]);
  });

  it('unpin_unpinned: one unpin too many', async () => {
    const w = await mmWorld();
    const { mm, a, pfn } = anon(w);
    w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE, []);
    w.gup.unpinUserPage(pfn);
    expect(() => {
      w.gup.unpinUserPage(pfn);
    }).to.throw(PageRefcountUnderflowError);
    expect(w.findings().map((f) => f.kind)).to.deep.equal(['unpin_unpinned', 'refcount_underflow']);
  });

  it('refcount_underflow: put_page() of a page already freed', async () => {
    const w = await mmWorld();
    const pfn = w.mem.allocPages(0, undefined, owner('drv'));
    w.mem.putPage(pfn, owner('drv'));
    expect(() => {
      w.mem.putPage(pfn, owner('drv'));
    }).to.throw(PageRefcountUnderflowError);
    only(w, 'refcount_underflow');
  });

  it('refcount_underflow: not reported for balanced get/put', async () => {
    const w = await mmWorld();
    const pfn = w.mem.allocPages(2, undefined, owner('drv'));
    w.mem.getPage(pfn + 3, owner('drv'));
    w.mem.putPage(pfn + 3, owner('drv'));
    w.mem.putPage(pfn, owner('drv'));
    expect(w.mem.pageRefcount(pfn)).to.equal(0);
    expect(w.findings()).to.deep.equal([]);
  });

  it('pin_leak: a pin still held when its owner ends (I/O completion)', async () => {
    const w = await mmWorld();
    const { mm, a, pfn } = anon(w);
    const bio = owner('bio#9');
    w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE, [], bio);
    expect(w.san.heldBy(bio)).to.deep.equal({ get: 0, pin: 1 });
    w.san.ownerEnded(bio);
    const f = only(w, 'pin_leak');
    expect(f.pfn).to.equal(pfn);
    expect(f.offender).to.equal('end of bio#9');
    w.san.ownerEnded(bio);
    expect(w.findings(), 'reported once').to.have.length(1);
  });

  it('pin_leak: a pin attributed to the mm is reported at process exit', async () => {
    const w = await mmWorld();
    const { mm, a } = anon(w);
    w.gup.pinUserPages(mm, a, 1, FOLL_WRITE, []);
    mm.exit();
    expect(only(w, 'pin_leak').offender).to.equal('end of proc');
  });

  it('pin_leak: not reported when the owner unpinned before ending', async () => {
    const w = await mmWorld();
    const { mm, a, pfn } = anon(w);
    const bio = owner('bio');
    w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE, [], bio);
    w.gup.unpinUserPages([pfn], 1, bio);
    w.san.ownerEnded(bio);
    mm.exit();
    expect(w.findings()).to.deep.equal([]);
  });

  it('ref_leak: a FOLL_GET reference still held when its owner ends', async () => {
    const w = await mmWorld();
    const { mm, a } = anon(w);
    const bio = owner('bio');
    w.gup.getUserPagesFast(mm, a, 1, 0, [], bio);
    w.san.ownerEnded(bio);
    only(w, 'ref_leak');
  });

  it('dma_no_ref: DMA to a page nobody holds a reference on', async () => {
    const w = await mmWorld();
    const { pfn } = anon(w);
    w.san.checkDma(pfn, true, 'nvme0 dma');
    const f = only(w, 'dma_no_ref');
    expect(f.offender).to.equal('nvme0 dma');
  });

  it('dma_no_ref: DMA to a freed page', async () => {
    const w = await mmWorld();
    const pfn = w.mem.allocPages(0);
    w.mem.putPage(pfn);
    w.san.checkDma(pfn, false, 'dma');
    only(w, 'dma_no_ref');
  });

  it('dma_no_ref: not reported for pinned pages, kernel allocations, or page-cache reads into a locked folio', async () => {
    const w = await mmWorld();
    const { mm, a, pfn } = anon(w);
    w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE, []);
    w.san.checkDma(pfn, true, 'dma');
    const k = w.mem.allocPages(0);
    w.san.checkDma(k, false, 'dma');
    const file = fakeFile(w.mm, w.mem, w.machine.scheduler, { size: P });
    let during = -1;
    const orig = file.mapping.aops.readFolio.bind(file.mapping.aops);
    (file.mapping.aops as { readFolio: typeof orig }).readFolio = async (m, p, i) => {
      w.san.checkDma(p, true, 'dma');
      during = p;
      return orig(m, p, i);
    };
    const m2 = w.mm.createMm('reader');
    const b = m2.mmap(0, P, PROT_READ, MAP_SHARED, file.mmapFile, 0);
    await Promise.all([m2.faultInReadable(b, P), w.machine.scheduler.run()]);
    expect(during).to.be.at.least(0);
    expect(w.findings()).to.deep.equal([]);
  });

  it('dma_after_writeback_clean: FOLL_GET DIO read into a cleaned MAP_SHARED file page, put_page() without re-dirtying', async () => {
    const w = await mmWorld();
    const { pages } = await cleanedSharedFilePage(w, false);
    const pfn = pages[0] as number;
    w.san.checkDma(pfn, true, 'nvme0 dma');
    w.mem.write(pfn * P, new Uint8Array(P).fill(0xee), 0, P);
    w.mem.putPage(pfn, owner('bio#1'));
    const f = only(w, 'dma_after_writeback_clean');
    expect(f.pfn).to.equal(pfn);
    expect(f.message).to.match(/nvme0 dma/);
  });

  it('dma_after_writeback_clean: not reported when the release re-dirties (unpin_user_pages_dirty_lock, set_page_dirty_lock)', async () => {
    const w = await mmWorld();
    const { pages, file } = await cleanedSharedFilePage(w, true);
    const pfn = pages[0] as number;
    w.san.checkDma(pfn, true, 'dma');
    w.mem.write(pfn * P, new Uint8Array(P).fill(0xee), 0, P);
    w.gup.unpinUserPagesDirtyLock(pages, 1, true, owner('bio#1'));
    expect(w.mem.pageDirty(pfn)).to.equal(true);
    const w2 = await mmWorld();
    const c = await cleanedSharedFilePage(w2, false);
    w2.san.checkDma(c.pages[0] as number, true, 'dma');
    w2.mem.setPageDirtyLock(c.pages[0] as number);
    w2.mem.putPage(c.pages[0] as number, owner('bio#1'));
    expect(w.findings()).to.deep.equal([]);
    expect(w2.findings()).to.deep.equal([]);
    // And the data reaches the disk on the next writeback.
    await Promise.all([w.flusher.syncAll(), w.machine.scheduler.run()]);
    expect(file.disk.get(0)?.every((b) => b === 0xee)).to.equal(true);
  });

  it('stranded_pin: a FOLL_GET reference taken after fork is stranded when the parent writes (COW)', async () => {
    const w = await mmWorld();
    const { mm, a, pfn } = anon(w, 'parent');
    const child = mm.fork();
    const pages: number[] = [];
    w.gup.getUserPagesFast(mm, a, 1, 0, pages, owner('vmsplice'));
    memset(mm, a, 2, P);
    const f = only(w, 'stranded_pin');
    expect(f.pfn).to.equal(pfn);
    expect(f.origin).to.match(/get_user_pages_fast by vmsplice/);
    w.mem.putPage(pfn, owner('vmsplice'));
    child.exit();
  });

  it('stranded_pin: not reported for a FOLL_PIN R/O pin (it unshares first)', async () => {
    const w = await mmWorld();
    const { mm, a } = anon(w, 'parent');
    const child = mm.fork();
    const pages: number[] = [];
    w.gup.pinUserPagesFast(mm, a, 1, 0, pages, owner('dio'));
    memset(mm, a, 2, P);
    expect(mm.pagemap(a)?.pfn).to.equal(pages[0]);
    expect(w.findings()).to.deep.equal([]);
    w.gup.unpinUserPages(pages, 1, owner('dio'));
    child.exit();
  });

  it('dma_write_zero_page: DMA into the shared zero page is dropped and reported', async () => {
    const w = await mmWorld();
    const mm = w.mm.createMm('p');
    const a = mm.mmap(0, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    const pages: number[] = [];
    w.gup.pinUserPagesFast(mm, a, 1, 0, pages);
    expect(pages[0]).to.equal(w.mem.zeroPfn);
    w.mem.write((pages[0] as number) * P, new Uint8Array(16).fill(1), 0, 16);
    only(w, 'dma_write_zero_page');
    const b = new Uint8Array(16);
    w.mem.read(w.mem.zeroPfn * P, b, 0, 16);
    expect(b.every((x) => x === 0)).to.equal(true);
  });

  it('off: no records, no findings; the accounting is unchanged', async () => {
    const w = await mmWorld({ sanitizer: false });
    expect(w.san.enabled).to.equal(false);
    const { mm, a, pfn } = anon(w);
    w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE, []);
    w.mem.putPage(pfn);
    w.san.checkDma(pfn, true, 'dma');
    w.san.ownerEnded(mm);
    expect(w.findings()).to.deep.equal([]);
    expect(w.mem.pageRefcount(pfn)).to.equal(1024);
    expect(w.pinsOutstanding()).to.equal(1);
  });

  it('records call stacks when asked', async () => {
    const w = await mmWorld({ sanitizer_stacks: true });
    const { mm, a, pfn } = anon(w);
    w.gup.pinUserPagesFast(mm, a, 1, FOLL_WRITE, []);
    w.mem.putPage(pfn);
    const f = only(w, 'put_page_on_pin');
    expect(f.originStack).to.match(/pinUserPagesFast/);
    expect(f.offenderStack).to.match(/putPage/);
  });
});

/** A PMD-mapped THP (thp=always): its first user address and head pfn. */
function thp(w: MmWorld): { mm: MmStruct; addr: number; head: number } {
  const mm = w.mm.createMm('proc');
  const raw = mm.mmap(0, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  const addr = Math.ceil(raw / (2 << 20)) * (2 << 20);
  memset(mm, addr, 1, 2 << 20);
  const head = mm.pagemap(addr)?.pfn as number;
  expect(w.mem.folioOrder(head)).to.equal(9);
  return { mm, addr, head };
}

/**
 * `"pfn kind n"` keys in order, each run of keys of one pfn sorted (the order of one owner's records on one page
 * is not what the tests check).
 */
function byPageRuns(keys: readonly string[]): string[] {
  const pfnOf = (k: string | undefined): string | undefined => k?.split(' ')[0];
  const out: string[] = [];
  for (let i = 0; i < keys.length;) {
    let j = i;
    while (j < keys.length && pfnOf(keys[j]) === pfnOf(keys[i])) j++;
    out.push(...keys.slice(i, j).sort());
    i = j;
  }
  return out;
}

/** `"pfn kind n"` of each finding (n: the references a leak report names), by {@link byPageRuns}. */
function leakKeys(fs: readonly SanitizerFinding[]): string[] {
  return byPageRuns(
    fs.map((f) => `${f.pfn} ${f.kind} ${/: (\d+) (?:pin|FOLL_GET)[^;]* still held/.exec(f.message)?.[1] ?? '-'}`),
  );
}

describe('Sanitizer bookkeeping', () => {
  it("large folio: a release on one subpage takes a reference held on another, the releasing owner's first", async () => {
    const w = await mmWorld();
    const { head } = thp(w);
    const a = owner('a');
    const b = owner('b');
    w.mem.getPage(head + 3, a);
    w.mem.getPage(head + 7, b);
    w.mem.getPage(head + 9, a);
    w.mem.putPage(head + 100, b);
    expect(w.san.heldBy(b)).to.deep.equal({ get: 0, pin: 0 });
    expect(w.san.heldBy(a)).to.deep.equal({ get: 2, pin: 0 });
    w.mem.putPage(head + 100, undefined);
    w.mem.putPage(head + 100, undefined);
    expect(w.san.heldBy(a)).to.deep.equal({ get: 0, pin: 0 });
    expect(w.findings()).to.deep.equal([]);
  });

  it('large folio: put_page() on a subpage nobody referenced reports the pin held on another subpage', async () => {
    const w = await mmWorld();
    const { mm, addr, head } = thp(w);
    w.gup.pinUserPagesFast(mm, addr + 5 * P, 1, FOLL_WRITE, [], owner('bio#3'));
    w.mem.getPage(head + 6, owner('drv'));
    w.mem.putPage(head + 6, owner('drv'));
    w.mem.putPage(head + 9, owner('drv'));
    const f = only(w, 'put_page_on_pin');
    expect(f.pfn).to.equal(head + 9);
    expect(f.origin).to.equal(`pin_user_pages_fast by bio#3 at 0x${(addr + 5 * P).toString(16)}`);
  });

  it("large folio: a batched unpin takes the owner's pins on every subpage before anyone else's on the named one", async () => {
    // Found by the mm invariants property test: b's folio-batched unpin of subpages 6-7 names subpage 6, where
    // a also holds a pin; taking a's there left b's pin on subpage 7 behind (a false pin_leak for b).
    const w = await mmWorld();
    const { mm, addr, head } = thp(w);
    const a = owner('a');
    const b = owner('b');
    const pa: number[] = [];
    const pb: number[] = [];
    expect(w.gup.pinUserPages(mm, addr + 6 * P, 1, 0, pa, a)).to.equal(1);
    expect(w.gup.pinUserPages(mm, addr + 6 * P, 2, 0, pb, b)).to.equal(2);
    expect(pb).to.deep.equal([head + 6, head + 7]);
    w.gup.unpinUserPages(pb, 2, b);
    expect(w.san.heldBy(b)).to.deep.equal({ get: 0, pin: 0 });
    expect(w.san.heldBy(a)).to.deep.equal({ get: 0, pin: 1 });
    w.san.ownerEnded(b);
    expect(w.findings()).to.deep.equal([]);
    w.san.ownerEnded(a);
    expect(leakKeys(w.findings())).to.deep.equal([`${head + 6} pin_leak 1`]);
  });

  it('large folio: unpin_user_pages() of 512 subpages releases the pins recorded on each', async () => {
    const w = await mmWorld();
    const { mm, addr } = thp(w);
    const bio = owner('bio');
    const pages: number[] = [];
    expect(w.gup.pinUserPagesFast(mm, addr, 512, FOLL_WRITE, pages, bio)).to.equal(512);
    expect(w.san.heldBy(bio)).to.deep.equal({ get: 0, pin: 512 });
    w.gup.unpinUserPages(pages, 512, bio);
    expect(w.san.heldBy(bio)).to.deep.equal({ get: 0, pin: 0 });
    w.san.ownerEnded(bio);
    expect(w.findings()).to.deep.equal([]);
    expect(() => {
      w.gup.unpinUserPage(pages[0] as number, bio);
    }).to.throw(PageRefcountUnderflowError);
    expect(w.findings().map((f) => f.kind)).to.deep.equal(['unpin_unpinned', 'refcount_underflow']);
  });

  it('leaks are reported in the order the owner first referenced the pages; a page released and taken again goes last', async () => {
    const w = await mmWorld();
    const [p1, p2, p3] = [w.mem.allocPages(0), w.mem.allocPages(0), w.mem.allocPages(0)] as [number, number, number];
    const o = owner('o');
    w.mem.getPage(p1, o);
    w.mem.getPage(p2, o);
    w.mem.getPage(p3, o);
    w.mem.getPage(p2, o);
    w.mem.putPage(p1, o);
    w.mem.getPage(p1, o);
    expect(w.san.heldBy(o)).to.deep.equal({ get: 4, pin: 0 });
    w.san.ownerEnded(o);
    expect(leakKeys(w.findings())).to.deep.equal([`${p2} ref_leak 2`, `${p3} ref_leak 1`, `${p1} ref_leak 1`]);
  });

  it("an ended owner's references are reported once; references it takes afterwards are reported at its next end", async () => {
    const w = await mmWorld();
    const [p1, p2] = [w.mem.allocPages(0), w.mem.allocPages(0)] as [number, number];
    const o = owner('o');
    w.mem.getPage(p1, o);
    w.san.ownerEnded(o);
    expect(w.san.heldBy(o)).to.deep.equal({ get: 0, pin: 0 });
    w.mem.getPage(p2, o);
    w.mem.getPage(p1, o);
    w.san.ownerEnded(o);
    expect(leakKeys(w.findings())).to.deep.equal([`${p1} ref_leak 1`, `${p2} ref_leak 1`, `${p1} ref_leak 1`]);
    for (const p of [p1, p2, p1]) w.mem.putPage(p, o);
    w.san.ownerEnded(o);
    expect(w.findings()).to.have.length(3);
  });

  it("a page stays in the owner's account while it holds another of its references, at the same place", async () => {
    const w = await mmWorld();
    const o = owner('o');
    const p1 = w.mem.allocPages(0, undefined, o);
    const p2 = w.mem.allocPages(0, undefined, o);
    w.mem.getPage(p1, o);
    w.mem.putPage(p1, o);
    const p3 = w.mem.allocPages(0, undefined, o);
    expect(w.san.heldBy(o)).to.deep.equal({ get: 3, pin: 0 });
    w.san.ownerEnded(o);
    const fs = w.findings();
    expect(leakKeys(fs)).to.deep.equal([`${p1} ref_leak 1`, `${p2} ref_leak 1`, `${p3} ref_leak 1`]);
    expect(fs.map((f) => f.origin)).to.deep.equal(['get_page by o', 'alloc_pages by o', 'alloc_pages by o']);
  });

  it('a freed folio takes its records along, even references the refcount no longer has', async () => {
    const w = await mmWorld();
    const drv = owner('drv');
    const o = owner('o');
    const p = w.mem.allocPages(0, undefined, drv);
    for (let i = 0; i < 1024; i++) w.mem.getPage(p, o);
    w.gup.unpinUserPage(p, o);
    expect(only(w, 'unpin_of_get').origin).to.equal('alloc_pages by drv');
    expect(w.san.heldBy(o)).to.deep.equal({ get: 1024, pin: 0 });
    w.mem.putPage(p, drv);
    expect(w.mem.pageRefcount(p)).to.equal(0);
    expect(w.san.heldBy(o)).to.deep.equal({ get: 0, pin: 0 });
    w.san.ownerEnded(o);
    expect(w.findings()).to.have.length(1);
    expect(w.mem.allocPages(0)).to.equal(p);
    w.mem.putPage(p, o);
    expect(w.findings()).to.have.length(1);
  });

  it('thousands of references and owners keep exact accounts (records are recycled)', async () => {
    const w = await mmWorld();
    const pages = Array.from({ length: 1500 }, () => w.mem.allocPages(0));
    const owners = Array.from({ length: 3 }, (_, i) => owner(`o${i}`));
    for (let round = 0; round < 3; round++) {
      pages.forEach((p, i) => {
        w.mem.getPage(p, owners[i % 3]);
      });
      pages.forEach((p, i) => {
        if (i % 2 === 0) w.mem.putPage(p, owners[i % 3]);
      });
      expect(owners.map((o) => w.san.heldBy(o).get)).to.deep.equal([250, 250, 250].map((n) => n * (round + 1)));
    }
    w.san.ownerEnded(owners[1] as RefOwner);
    const expected = pages.filter((_, i) => i % 2 === 1 && i % 3 === 1).map((p) => `${p} ref_leak 3`);
    expect(leakKeys(w.findings())).to.deep.equal(expected);
    pages.forEach((p, i) => {
      if (i % 2 === 1) for (let k = 0; k < 3; k++) w.mem.putPage(p, owners[i % 3]);
      w.mem.putPage(p);
    });
    expect(owners.map((o) => w.san.heldBy(o).get)).to.deep.equal([0, 0, 0]);
    expect(w.findings()).to.have.length(expected.length);
  });

  it('random balanced get/put and pin/unpin by several owners on small and large folios: exact accounts, leaks in order', async () => {
    type Op = { t: 'get' | 'put' | 'pin' | 'unpin' | 'end'; o: number; pg: number };
    const opArb: fc.Arbitrary<Op> = fc.record({
      t: fc.oneof(
        { arbitrary: fc.constantFrom('get' as const, 'put' as const, 'pin' as const, 'unpin' as const), weight: 12 },
        { arbitrary: fc.constant('end' as const), weight: 1 },
      ),
      o: fc.nat({ max: 1 }),
      pg: fc.nat({ max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 100 }), async (ops) => {
        const w = await mmWorld();
        const small = w.mm.createMm('small');
        const sa = small.mmap(0, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
        small.madvise(sa, 2 * P, MADV_NOHUGEPAGE);
        memset(small, sa, 1, 2 * P);
        const big = thp(w);
        // Pages 0-1: order-0 folios; 2-3: subpages 0 and 300 of one THP.
        const where = [0, 1].map((i) => ({ mm: small, addr: sa + i * P }));
        for (const k of [0, 300]) where.push({ mm: big.mm, addr: big.addr + k * P });
        const pfn = where.map((x) => x.mm.pagemap(x.addr)?.pfn as number);
        const owners = [owner('o0'), owner('o1')];
        // Model: per owner, its pages in account order and per page and kind the reported/unreported counts.
        type Count = { rep: number; unrep: number };
        const model = owners.map(() => ({ list: [] as number[], c: new Map<number, { get: Count; pin: Count }>() }));
        const counts = (o: number, pg: number): { get: Count; pin: Count } => {
          const m = model[o] as (typeof model)[number];
          let c = m.c.get(pg);
          if (c === undefined) {
            c = { get: { rep: 0, unrep: 0 }, pin: { rep: 0, unrep: 0 } };
            m.c.set(pg, c);
          }
          return c;
        };
        const total = (c: { get: Count; pin: Count }): number => c.get.rep + c.get.unrep + c.pin.rep + c.pin.unrep;
        const expectedLeaks: string[] = [];
        for (const op of ops) {
          const m = model[op.o] as (typeof model)[number];
          const o = owners[op.o] as RefOwner;
          const p = pfn[op.pg] as number;
          const x = where[op.pg] as { mm: MmStruct; addr: number };
          const c = counts(op.o, op.pg);
          if (op.t === 'get' || op.t === 'pin') {
            if (op.t === 'get') w.mem.getPage(p, o);
            else expect(w.gup.pinUserPagesFast(x.mm, x.addr, 1, FOLL_WRITE, [], o)).to.equal(1);
            if (!m.list.includes(op.pg)) m.list.push(op.pg);
            c[op.t].unrep++;
          } else if (op.t === 'put' || op.t === 'unpin') {
            const k = c[op.t === 'put' ? 'get' : 'pin'];
            if (k.rep + k.unrep === 0) continue;
            if (op.t === 'put') w.mem.putPage(p, o);
            else w.gup.unpinUserPage(p, o);
            if (k.rep > 0) k.rep--;
            else k.unrep--;
            const at = m.list.indexOf(op.pg);
            if (total(c) === 0 && at >= 0) m.list.splice(at, 1);
          } else {
            w.san.ownerEnded(o);
            for (const pg of m.list) {
              const cc = counts(op.o, pg);
              if (cc.pin.unrep > 0) expectedLeaks.push(`${pfn[pg]} pin_leak ${cc.pin.unrep}`);
              if (cc.get.unrep > 0) expectedLeaks.push(`${pfn[pg]} ref_leak ${cc.get.unrep}`);
              cc.get.rep += cc.get.unrep;
              cc.pin.rep += cc.pin.unrep;
              cc.get.unrep = 0;
              cc.pin.unrep = 0;
            }
            m.list = [];
          }
          owners.forEach((ow, i) => {
            const mi = model[i] as (typeof model)[number];
            let get = 0;
            let pin = 0;
            for (const pg of mi.list) {
              const cc = counts(i, pg);
              get += cc.get.rep + cc.get.unrep;
              pin += cc.pin.rep + cc.pin.unrep;
            }
            expect(w.san.heldBy(ow), `heldBy(o${i}) after ${JSON.stringify(op)}`).to.deep.equal({ get, pin });
          });
        }
        expect(leakKeys(w.findings())).to.deep.equal(byPageRuns(expectedLeaks));
      }),
      { numRuns: 100 },
    );
  });
});
