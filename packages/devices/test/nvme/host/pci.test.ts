import { expect } from 'chai';
import { REQ_OP_READ, REQ_OP_WRITE } from '@stackemu/block';
import { NvmeDevices } from '@stackemu/devices';
import { PhysMem } from '@stackemu/mm';
import { bdevOf, bioIo, fillPages, kpages, machineWith, readPages } from '../../helpers/machine.js';

describe('nvme-pci driver', () => {
  it('probes the controller and registers nvme0n1 with its capacity and limits', async () => {
    const m = await machineWith([{ name: 'nvme', params: { capacity: '1g' } }]);
    const b = bdevOf(m, 'nvme0n1');
    expect(b.bdNrSectors).to.equal((1 << 30) / 512);
    const lim = b.bdQueue.limits;
    expect(lim.logicalBlockSize).to.equal(512);
    expect(lim.virtBoundaryMask).to.equal(4095);
    expect(lim.maxHwSectors).to.equal((4096 << 7) / 512);
    const c = m.get<NvmeDevices>(NvmeDevices).controllers[0];
    expect(c?.host.state).to.equal('LIVE');
    expect(c?.host.queues.length).to.equal(3);
    await m.stop();
  });

  it('writes and reads back real bytes', async () => {
    const m = await machineWith([{ name: 'nvme', params: { capacity: '1g' } }]);
    const b = bdevOf(m, 'nvme0n1');
    const w = kpages(m, 4);
    fillPages(m, w, (p, i) => (p * 31 + i) & 0xff);
    expect(await bioIo(m, b, REQ_OP_WRITE, 1000, w)).to.equal(0);
    const r = kpages(m, 4);
    expect(await bioIo(m, b, REQ_OP_READ, 1000, r)).to.equal(0);
    expect(readPages(m, r)).to.deep.equal(readPages(m, w));
    await m.stop();
  });
});

describe('nvme-pci data mapping', () => {
  for (const [name, params] of [
    ['dma-direct', {}],
    ['IOMMU (strict) + dma-debug', { 'dma.iommu': 'strict', 'dma.debug': true }],
    ['swiotlb bouncing + dma-debug', { 'dma.swiotlb': true, 'dma.debug': true }],
  ] as const) {
    it(`${name}: PRP1/PRP2, PRP lists (small pool and page pool, chained) and SGLs move the right bytes`, async () => {
      const m = await machineWith([{ name: 'nvme', params: { capacity: '256m', mdts: 10, ...params } }], {
        mem: '512m',
      });
      const b = bdevOf(m, 'nvme0n1');
      const c = m.get<NvmeDevices>(NvmeDevices).controllers[0];
      // Page counts: 1 (PRP1), 2 (PRP2), 20 (small-pool list), 100 (page-pool list), 600 (chained list pages).
      for (const n of [1, 2, 20, 100, 600]) {
        // Non-contiguous pages: allocate twice as many and use every other one.
        const all = kpages(m, 2 * n);
        const w = all.filter((_, i) => i % 2 === 0);
        fillPages(m, w, (p, i) => (p * 13 + i + n) & 0xff);
        const chunks: number[][] = [];
        for (let i = 0; i < w.length; i += 256) chunks.push(w.slice(i, i + 256));
        let sector = 0;
        for (const ch of chunks) {
          expect(await bioIo(m, b, REQ_OP_WRITE, 4096 + sector, ch)).to.equal(0);
          sector += ch.length * 8;
        }
        const r = kpages(m, n);
        sector = 0;
        for (let i = 0; i < r.length; i += 256) {
          const ch = r.slice(i, i + 256);
          expect(await bioIo(m, b, REQ_OP_READ, 4096 + sector, ch)).to.equal(0);
          sector += ch.length * 8;
        }
        expect(readPages(m, r), `${n} pages`).to.deep.equal(readPages(m, w));
      }
      // An offset buffer (PRP1 with offset) and a large contiguous one (SGL: average segment >= 32 KiB).
      const big = kpages(m, 1);
      fillPages(m, big, () => 0x6b);
      expect(await bioIo(m, b, REQ_OP_WRITE, 0, big, 512, 1024)).to.equal(0);
      expect(c?.link.dma.debug?.errors ?? []).to.deep.equal([]);
      await m.stop();
    }).timeout(30000);
  }
});

describe('nvme-pci queue setup', () => {
  it('AS-N17: 4 CPUs and 8 granted queues give 4 I/O queue pairs on vectors 1–4, hctx i ↔ qid i+1, depth 1023', async () => {
    const m = await machineWith([{ name: 'nvme', params: { capacity: '64m', max_queues: 8 } }], { cpus: 4 });
    const c = m.get<NvmeDevices>(NvmeDevices).controllers[0];
    expect(c?.host.queues.map((q) => [q.qid, q.cqVector])).to.deep.equal([
      [0, 0],
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 4],
    ]);
    const q = bdevOf(m, 'nvme0n1').bdQueue;
    expect(q.queueHwCtx.map((h) => (h.driverData as { qid: number }).qid)).to.deep.equal([1, 2, 3, 4]);
    expect(c?.host.tagset?.queueDepth).to.equal(1023);
    await m.stop();
  });

  it('AS-T7: the tag depth is entries − 1 so the SQ never wraps onto unconsumed entries', async () => {
    const m = await machineWith([{ name: 'nvme', params: { capacity: '64m', queue_depth: 32 } }]);
    expect(m.get<NvmeDevices>(NvmeDevices).controllers[0]?.host.tagset?.queueDepth).to.equal(31);
    await m.stop();
  });

  it('rejects bad parameters before anything is built', async () => {
    for (const params of [
      { lba_size: 1024 },
      { capacity: 1000 },
      { faults: [{ type: 'needs_reset' }] },
      { 'dma.iommu': 'loose' },
    ]) {
      let err: unknown;
      try {
        await machineWith([{ name: 'nvme', params }]);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(params)).to.be.instanceOf(Error);
    }
  });
});

describe('nvme-pci SGLs', () => {
  it('uses SGLs when the average segment reaches sgl_threshold (inline data block, then a Last Segment list)', async () => {
    const m = await machineWith([{ name: 'nvme', params: { capacity: '64m' } }]);
    const b = bdevOf(m, 'nvme0n1');
    const ctrl = m.get<NvmeDevices>(NvmeDevices).controllers[0];
    const pm = m.get<PhysMem>(PhysMem);
    // Two 64 KiB physically contiguous buffers, not adjacent to each other.
    const a = pm.allocPages(4);
    pm.allocPages(4);
    const c = pm.allocPages(4);
    const pages = (base: number): number[] => Array.from({ length: 16 }, (_, i) => base + i);
    fillPages(m, [...pages(a), ...pages(c)], (p, i) => (p * 11 + i) & 0xff);
    expect(await bioIo(m, b, REQ_OP_WRITE, 0, pages(a))).to.equal(0);
    expect(await bioIo(m, b, REQ_OP_WRITE, 128, [...pages(a), ...pages(c)])).to.equal(0);
    const r = pm.allocPages(5);
    expect(await bioIo(m, b, REQ_OP_READ, 128, pages(r).concat(pages(r + 16)))).to.equal(0);
    expect(readPages(m, pages(r).concat(pages(r + 16)))).to.deep.equal(readPages(m, [...pages(a), ...pages(c)]));
    expect(ctrl?.hw.stats.sglCommands).to.equal(3);
    await m.stop();
  });
});
