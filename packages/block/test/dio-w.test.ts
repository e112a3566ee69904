import { expect } from 'chai';
import {
  BIO_PAGE_PINNED,
  ITER_DEST,
  ITER_SOURCE,
  KernelBugError,
  bioAlloc,
  bioIovIterGetPages,
  bioPut,
  bioReleasePages,
  blockEraRfc,
  dioWAssertUserBacked,
  dioWIovIterPinPages,
  dioWIovIterPinPagesAlloc,
  dioWPinUserPage,
  dioWPinUserPagesFast,
  dioWSetPageDirtyLock,
  dioWUnpinUserPage,
  dioWUnpinUserPages,
  dioWUnpinUserPagesDirtyLock,
  iovIterBvec,
  iovIterExtractPages,
  iovIterFolioq,
  iovIterUbuf,
  selectBlockEra,
  type SizeRef,
} from '@stackemu/block';
import { Errno } from '@stackemu/core';
import { rig, type TestRig } from './support/machine.js';
import { TestOwner } from './support/owner.js';
import { buf } from './support/io.js';

describe('the dio_w_* wrappers', () => {
  let r: TestRig;
  afterEach(async () => r.stop());

  it("policy 'pin' pins and unpins, counted; policy 'gup' takes and puts references, uncounted", async () => {
    r = await rig();
    const a = buf(r, 8192, 1);
    const owner = new TestOwner('fs');
    const pin = r.blk.dioWFor('pin');
    const gup = r.blk.dioWFor('gup');
    expect(pin.policy).to.equal('pin');
    const pages: number[] = [];
    expect(dioWPinUserPagesFast(pin, r.mm, a, 2, 0, pages, owner)).to.equal(2);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(2);
    expect(r.sanitizer.heldBy(owner)).to.deep.equal({ get: 0, pin: 2 });
    dioWUnpinUserPages(pin, pages, 2, owner);
    expect(dioWPinUserPagesFast(gup, r.mm, a, 2, 0, pages, owner)).to.equal(2);
    expect(r.sanitizer.heldBy(owner)).to.deep.equal({ get: 2, pin: 0 });
    dioWUnpinUserPagesDirtyLock(gup, pages, 2, true, owner);
    expect(r.physMem.pageDirty(pages[0] as number)).to.equal(true);
    dioWPinUserPage(pin, pages[0] as number, owner);
    dioWPinUserPage(gup, pages[1] as number, owner);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(3);
    dioWUnpinUserPage(pin, pages[0] as number, owner);
    dioWUnpinUserPage(gup, pages[1] as number, owner);
    dioWSetPageDirtyLock(pin, pages[1] as number);
    expect(r.vm('nr_foll_pin_released')).to.equal(3);
    expect(r.sanitizer.findings()).to.deep.equal([]);
  });

  it('the machine default follows the era and CONFIG', async () => {
    r = await rig();
    expect([r.blk.era.name, r.blk.dioW.policy]).to.deep.equal(['upstream', 'pin']);
    expect(selectBlockEra('auto', false).name).to.equal('gup');
    expect(selectBlockEra('rfc', false).dioWPolicy(false)).to.equal('gup');
    expect(() => selectBlockEra('upstream', false)).to.throw(Errno);
  });

  it('dio_w_iov_iter_pin_pages: user pages pinned, BVEC pages pinned with pin_user_page (Aug 2022)', async () => {
    r = await rig();
    const a = buf(r, 4096, 1);
    const owner = new TestOwner('fs');
    const pin = r.blk.dioWFor('pin');
    const res = dioWIovIterPinPagesAlloc(pin, iovIterUbuf(ITER_DEST, r.mm, a + 100, 200), 1 << 20, owner);
    expect([res.ret, res.start, res.pages.length]).to.deep.equal([200, 100, 1]);
    dioWUnpinUserPages(pin, res.pages, 1, owner);
    const p = r.physMem.allocPages(0);
    const pages: number[] = [];
    const start: SizeRef = { value: 0 };
    expect(
      dioWIovIterPinPages(
        pin,
        iovIterBvec(ITER_SOURCE, [{ bvPage: p, bvLen: 4096, bvOffset: 0 }], 1, 4096),
        pages,
        4096,
        4,
        start,
        owner,
      ),
    ).to.equal(4096);
    expect(r.gup.pageMaybeDmaPinned(p)).to.equal(true);
    dioWUnpinUserPage(pin, p, owner);
    expect(r.sanitizer.findings()).to.deep.equal([]);
  });
});

describe('the pin sanitizer catches wrong releases', () => {
  let r: TestRig;
  beforeEach(async () => {
    r = await rig();
  });
  afterEach(async () => r.stop());

  it('put_page() of a pinned page is reported (put_page_on_pin)', () => {
    const a = buf(r, 4096, 1);
    const owner = new TestOwner('buggy-fs');
    const pages: number[] = [];
    expect(
      iovIterExtractPages(r.blk, iovIterUbuf(ITER_DEST, r.mm, a, 4096), pages, 4096, 1, 0, { value: 0 }, owner),
    ).to.equal(4096);
    try {
      r.physMem.putPage(pages[0] as number, owner);
    } catch {
      /* the sanitizer may also refuse the operation */
    }
    expect(r.sanitizer.findings().map((f) => f.kind)).to.include('put_page_on_pin');
  });

  it('unpin of a bvec (kernel) page is reported (unpin of a page holding no pin)', () => {
    const p = r.physMem.allocPages(0);
    const owner = new TestOwner('buggy-fs');
    r.physMem.getPage(p, owner);
    try {
      r.gup.unpinUserPage(p, owner);
    } catch {
      /* the sanitizer may also refuse the operation */
    }
    const kinds = r.sanitizer.findings().map((f) => f.kind);
    expect(kinds.some((k) => k === 'unpin_of_get' || k === 'unpin_unpinned')).to.equal(true);
  });
});

describe('the RFC era (Hubbard 2022)', () => {
  let r: TestRig;
  afterEach(async () => r.stop());

  it('CONFIG=y: user pages pinned through dio_w_pin_user_pages_fast, released with dio_w_unpin_user_page', async () => {
    r = await rig({ block: { era: 'rfc' } });
    expect(r.blk.era).to.equal(blockEraRfc);
    const a = buf(r, 8192, 1);
    const bio = bioAlloc(r.bdev, 4, 0);
    expect(bioIovIterGetPages(bio, iovIterUbuf(ITER_DEST, r.mm, a + 512, 4096))).to.equal(0);
    expect(bio.biFlags & (1 << BIO_PAGE_PINNED)).to.not.equal(0);
    expect(r.vm('nr_foll_pin_acquired')).to.equal(2);
    bioReleasePages(bio, true);
    bioPut(bio);
    expect(r.vm('nr_foll_pin_released')).to.equal(2);
    expect(r.sanitizer.findings()).to.deep.equal([]);
    expect(r.blk.dioWFindings()).to.deep.equal([]);
  });

  it('patch 3: a kernel-backed iterator on the key path fires the assertion; CONFIG=y then unpins get_page refs', async () => {
    r = await rig({ block: { era: 'rfc' } });
    const f = r.physMem.allocPages(0);
    const it = iovIterFolioq(ITER_DEST, { next: undefined, prev: undefined, folios: [f], orders: [0] }, 0, 0, 4096);
    const bio = bioAlloc(r.bdev, 4, 0);
    expect(bioIovIterGetPages(bio, it)).to.equal(0);
    expect(r.blk.dioWFindings().map((e) => e.site)).to.deep.equal(['__bio_iov_iter_get_pages']);
    try {
      bioReleasePages(bio, false);
    } catch {
      /* the sanitizer may refuse */
    }
    bioPut(bio);
    // iov_iter_get_pages took get_page() refs on the folioq pages, and the RFC's release unpins them.
    expect(r.sanitizer.findings().length).to.be.greaterThan(0);
  });

  it('dio_w_strict turns the assertion into an exception', async () => {
    r = await rig({ block: { era: 'rfc', dio_w_strict: true } });
    const p = r.physMem.allocPages(0);
    expect(() =>
      dioWAssertUserBacked(
        r.blk,
        iovIterBvec(ITER_DEST, [{ bvPage: p, bvLen: 10, bvOffset: 0 }], 1, 10),
        'dio_refill_pages',
      ),
    ).to.throw(KernelBugError);
  });
});
