/**
 * The pin sanitizer: every finding kind is triggered by the misuse it names, and the correct use of the API
 * reports nothing.
 */
import { expect } from 'chai';
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
