import { expect } from 'chai';
import { EFAULT, EINVAL, ENOMEM, Errno } from '@stackemu/core';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, PAGE_SIZE } from '@stackemu/mm';
import { mmWorld } from './helpers.js';

describe('PhysMem', () => {
  it('read() of never-written memory is zeros; write()/read() cross page boundaries', async () => {
    const w = await mmWorld();
    const pfn = w.mem.allocPages(1);
    const z = new Uint8Array(100).fill(9);
    w.mem.read(pfn * PAGE_SIZE + 4000, z, 0, 100);
    expect(z.every((b) => b === 0)).to.equal(true);
    const src = Uint8Array.from({ length: 300 }, (_, i) => i & 255);
    w.mem.write(pfn * PAGE_SIZE + 4000, src, 50, 200);
    const out = new Uint8Array(202);
    w.mem.read(pfn * PAGE_SIZE + 3999, out, 0, 202);
    expect(out[0]).to.equal(0);
    expect([...out.subarray(1, 201)]).to.deep.equal([...src.subarray(50, 250)]);
    expect(out[201]).to.equal(0);
  });

  it('allocPages() returns aligned folios with refcount 1; putPage() frees them and buddies merge', async () => {
    const w = await mmWorld();
    const total = w.mem.nrFreePages();
    expect(total).to.equal(w.mem.totalPages - 1);
    const a = w.mem.allocPages(3);
    expect(a % 8).to.equal(0);
    expect(w.mem.folioOrder(a + 5)).to.equal(3);
    expect(w.mem.folioHead(a + 5)).to.equal(a);
    expect(w.mem.pageRefcount(a + 7)).to.equal(1);
    const b = w.mem.allocPages(0);
    expect(w.mem.nrFreePages()).to.equal(total - 9);
    w.mem.putPage(a + 2);
    w.mem.putPage(b);
    expect(w.mem.nrFreePages()).to.equal(total);
    expect(w.vm('pgfree')).to.equal(9);
    const c = w.mem.allocPages(10);
    expect(c % 1024).to.equal(0);
    w.mem.putPage(c);
  });

  it('allocPages(): -EINVAL for a bad order, -ENOMEM when memory is exhausted', async () => {
    const w = await mmWorld({ mem: '8m' });
    expect(w.mem.allocPages(11)).to.equal(-EINVAL);
    expect(w.mem.allocPages(-1)).to.equal(-EINVAL);
    const got: number[] = [];
    for (;;) {
      const p = w.mem.allocPages(9);
      if (p < 0) {
        expect(p).to.equal(-ENOMEM);
        break;
      }
      got.push(p);
    }
    expect(got.length).to.equal(3);
    for (const p of got) w.mem.putPage(p);
    expect(w.mem.nrFreePages()).to.equal(2047);
  });

  it('ZONE_MOVABLE: movable allocations go there first, kernel ones never', async () => {
    const w = await mmWorld({ movablecore: '64m' });
    const u = w.mem.allocPages(0, GFP_HIGHUSER_MOVABLE);
    const k = w.mem.allocPages(0, GFP_KERNEL);
    expect(w.mem.pageZone(u)).to.equal('Movable');
    expect(w.mem.pageZone(k)).to.equal('Normal');
    expect(w.vm('pgalloc_movable')).to.equal(1);
  });

  it('getPage() on a free page throws EFAULT; the zero page is reserved and reads as zeros', async () => {
    const w = await mmWorld();
    const p = w.mem.allocPages(0);
    w.mem.putPage(p);
    expect(() => {
      w.mem.getPage(p);
    })
      .to.throw(Errno)
      .with.property('errno', EFAULT);
    expect(w.mem.isZeroPage(w.mem.zeroPfn)).to.equal(true);
    expect(w.mem.pageRefcount(w.mem.zeroPfn)).to.equal(1);
  });

  it('rejects a memory size that is not a multiple of 4 MiB, naming the parameter', async () => {
    let err: unknown;
    try {
      await mmWorld({ mem: 4096 * 3 });
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/mem/);
  });

  it('a 64 GiB machine allocates nothing until touched, then about what was touched', async () => {
    const w = await mmWorld({ mem: '64g' });
    expect(w.mem.totalPages).to.equal(16 * 1024 * 1024);
    const f0 = w.mem.memoryFootprint();
    expect(f0.metadataBytes, 'one section for the zero page').to.be.below(2 << 20);
    expect(f0.dataBytes).to.equal(0);
    const pfn = w.mem.allocPages(10);
    const buf = new Uint8Array(4 << 20).fill(1);
    w.mem.write(pfn * PAGE_SIZE, buf, 0, buf.length);
    const f1 = w.mem.memoryFootprint();
    expect(f1.dataBytes).to.equal(4 << 20);
    expect(f1.metadataBytes).to.equal(f0.metadataBytes);
    w.mem.putPage(pfn);
    const again = w.mem.allocPages(10);
    w.mem.write(again * PAGE_SIZE, buf, 0, buf.length);
    expect(w.mem.memoryFootprint().dataBytes, 'freed data slots are reused').to.equal(4 << 20);
  });

  it('setPageDirtyLock() on an anonymous page sets its dirty flag', async () => {
    const w = await mmWorld();
    const p = w.mem.allocPages(0);
    expect(w.mem.pageDirty(p)).to.equal(false);
    w.mem.setPageDirtyLock(p);
    expect(w.mem.pageDirty(p)).to.equal(true);
  });
});
