import { expect } from 'chai';
import { createLogger, EventBus, VirtualScheduler } from '@stackemu/core';
import {
  DMA_FROM_DEVICE,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  DmaEngine,
  DmaPool,
  IOVA_FQ_TIMEOUT_NS,
  MEMTX_OK,
  NVME_CSTS_CFS,
  NVME_SC_DATA_XFER_ERROR,
  Scatterlist,
  dmaAllocCoherent,
  dmaFreeCoherent,
  dmaMapPage,
  dmaMapSg,
  dmaMappingError,
  dmaMaxMappingSize,
  dmaSyncSingleForCpu,
  dmaUnmapPage,
  dmaUnmapSg,
  type DmaDeviceOptions,
} from '@stackemu/devices';
import { FakeMem } from '../helpers/fake-mem.js';
import { RawNvmeHost } from '../helpers/nvme-raw-host.js';

function setup(opts: DmaDeviceOptions = {}) {
  const sched = new VirtualScheduler();
  const mem = new FakeMem();
  const engine = new DmaEngine(mem, mem, sched, new EventBus('trace'), createLogger({ level: 'silent' }));
  const dev = engine.createDevice('dev0', opts);
  return { sched, mem, engine, dev };
}

describe('DMA mapping API', () => {
  it('dma-direct: the bus address is the physical address, no state', () => {
    const { dev, mem } = setup();
    const pfn = mem.allocPages(0);
    expect(dmaMapPage(dev, pfn, 16, 100, DMA_TO_DEVICE)).to.equal(pfn * 4096 + 16);
  });

  it('AS-D1: dma-debug reports unmaps with the wrong direction or size, and sg unmaps with the mapped count', () => {
    const { dev, mem } = setup({ debug: true });
    const pfn = mem.allocPages(0);
    const a = dmaMapPage(dev, pfn, 0, 4096, DMA_TO_DEVICE);
    dmaUnmapPage(dev, a, 4096, DMA_FROM_DEVICE);
    const b = dmaMapPage(dev, pfn, 0, 4096, DMA_TO_DEVICE);
    dmaUnmapPage(dev, b, 2048, DMA_TO_DEVICE);
    dmaUnmapPage(dev, b + 4096 * 10, 512, DMA_TO_DEVICE);
    const sg = new Scatterlist(4);
    for (let i = 0; i < 3; i++) sg.push(mem.allocPages(0), 0, 4096);
    const n = dmaMapSg(dev, sg, 3, DMA_FROM_DEVICE);
    expect(n).to.equal(3);
    dmaUnmapSg(dev, sg, 2, DMA_FROM_DEVICE);
    const kinds = dev.debug?.errors.map((e) => e.kind);
    expect(kinds).to.deep.equal(['unmap_wrong_dir', 'unmap_wrong_size', 'unmap_not_mapped', 'unmap_sg_wrong_nents']);
    expect(dev.debug?.errors[0]?.message).to.match(/different direction .*DMA_TO_DEVICE.*DMA_FROM_DEVICE/);
  });

  it('AS-D7: with an IOMMU, page-aligned entries merge up to max_segment_size; an offset entry does not', () => {
    const { dev, mem } = setup({ iommu: 'strict' });
    const sg = new Scatterlist(4);
    for (let i = 0; i < 4; i++) sg.push(mem.allocPages(0) + 7 * i, 0, 4096);
    expect(dmaMapSg(dev, sg, 4, DMA_TO_DEVICE)).to.equal(1);
    expect(sg.dmaLength[0]).to.equal(16384);
    dmaUnmapSg(dev, sg, 4, DMA_TO_DEVICE);
    dev.maxSegmentSize = 8192;
    expect(dmaMapSg(dev, sg, 4, DMA_TO_DEVICE)).to.equal(2);
    expect([...sg.dmaLength.subarray(0, 2)]).to.deep.equal([8192, 8192]);
    dmaUnmapSg(dev, sg, 4, DMA_TO_DEVICE);
    dev.maxSegmentSize = 65536;
    const s2 = new Scatterlist(2);
    s2.push(mem.allocPages(0), 0, 4096);
    s2.push(mem.allocPages(0), 512, 2048);
    expect(dmaMapSg(dev, s2, 2, DMA_TO_DEVICE)).to.equal(2);
    expect((s2.dmaAddress[1] as number) % 4096).to.equal(512);
    // I-D3: segments never exceed max_segment_size.
    expect(dev.iommu?.mappedPages).to.equal(2);
    dmaUnmapSg(dev, s2, 2, DMA_TO_DEVICE);
    expect(dev.iommu?.mappedPages).to.equal(0);
  });

  it('AS-D3/D2: unmapped IOVAs and permission violations fault; memory is unchanged', () => {
    const { dev, mem, engine } = setup({ iommu: 'strict' });
    const pfn = mem.allocPages(0);
    mem.fill(pfn * 4096, 4096, 0xaa);
    const buf = new Uint8Array(512).fill(0x55);
    expect(dev.port.dmaRead(0x1234000, buf, 0, 512)).to.not.equal(MEMTX_OK);
    const ro = dmaMapPage(dev, pfn, 0, 4096, DMA_TO_DEVICE);
    expect(dev.port.dmaRead(ro, buf, 0, 512)).to.equal(MEMTX_OK);
    expect(dev.port.dmaWrite(ro, buf, 0, 512)).to.not.equal(MEMTX_OK);
    expect(mem.bytes(pfn * 4096, 4096).every((b) => b === 0xaa)).to.equal(true);
    expect(engine.faults.map((f) => [f.reason, f.write])).to.deep.equal([
      ['unmapped', false],
      ['permission', true],
    ]);
  });

  it('AS-D4: strict unmap faults at once; lazy unmap leaves the IOVA reachable until the flush', () => {
    const strict = setup({ iommu: 'strict' });
    const p1 = strict.mem.allocPages(0);
    const a = dmaMapPage(strict.dev, p1, 0, 4096, DMA_FROM_DEVICE);
    dmaUnmapPage(strict.dev, a, 4096, DMA_FROM_DEVICE);
    expect(strict.dev.port.dmaWrite(a, new Uint8Array(4).fill(1), 0, 4)).to.not.equal(MEMTX_OK);
    const lazy = setup({ iommu: 'lazy' });
    const p2 = lazy.mem.allocPages(0);
    const b = dmaMapPage(lazy.dev, p2, 0, 4096, DMA_FROM_DEVICE);
    dmaUnmapPage(lazy.dev, b, 4096, DMA_FROM_DEVICE);
    expect(lazy.dev.port.dmaWrite(b, new Uint8Array(4).fill(7), 0, 4)).to.equal(MEMTX_OK);
    expect(lazy.mem.bytes(p2 * 4096, 1)[0]).to.equal(7);
    lazy.sched.runSync({ until: IOVA_FQ_TIMEOUT_NS });
    expect(lazy.dev.port.dmaWrite(b, new Uint8Array(4).fill(9), 0, 4)).to.not.equal(MEMTX_OK);
    expect(lazy.mem.bytes(p2 * 4096, 1)[0]).to.equal(7);
  });

  it('AS-D5: swiotlb bounces; the original changes only at unmap, and unwritten bytes keep their values', () => {
    const { dev, mem } = setup({ bounce: true });
    const pfn = mem.allocPages(1);
    mem.fill(pfn * 4096, 8192, 0xaa);
    const a = dmaMapPage(dev, pfn, 0, 8192, DMA_FROM_DEVICE);
    expect(dmaMappingError(dev, a)).to.equal(false);
    expect(a).to.not.equal(pfn * 4096);
    expect(dev.port.dmaWrite(a, new Uint8Array(4096).fill(0x55), 0, 4096)).to.equal(MEMTX_OK);
    expect(mem.bytes(pfn * 4096, 8192).every((b) => b === 0xaa)).to.equal(true);
    dmaSyncSingleForCpu(dev, a, 8192, DMA_FROM_DEVICE);
    expect(mem.bytes(pfn * 4096, 1)[0]).to.equal(0x55);
    dmaUnmapPage(dev, a, 8192, DMA_FROM_DEVICE);
    const got = mem.bytes(pfn * 4096, 8192);
    expect(got.subarray(0, 4096).every((b) => b === 0x55)).to.equal(true);
    expect(got.subarray(4096).every((b) => b === 0xaa)).to.equal(true);
  });

  it('AS-D6: swiotlb maps up to 256 KiB, refuses more, and reports a full pool', () => {
    const { dev, mem, engine } = setup({ bounce: true });
    expect(dmaMaxMappingSize(dev)).to.equal(256 * 1024);
    const big = mem.allocPages(7);
    const ok = dmaMapPage(dev, big, 0, 256 * 1024, DMA_TO_DEVICE);
    expect(dmaMappingError(dev, ok)).to.equal(false);
    expect(dmaMapPage(dev, big, 0, 256 * 1024 + 1, DMA_TO_DEVICE)).to.equal(DMA_MAPPING_ERROR);
    const maps: number[] = [];
    for (;;) {
      const a = dmaMapPage(dev, big, 0, 256 * 1024, DMA_TO_DEVICE);
      if (a === DMA_MAPPING_ERROR) break;
      maps.push(a);
    }
    expect(maps).to.have.length(15);
    expect(engine.swiotlb().fullCount).to.equal(1);
    dmaUnmapPage(dev, ok, 256 * 1024, DMA_TO_DEVICE);
    for (const a of maps) dmaUnmapPage(dev, a, 256 * 1024, DMA_TO_DEVICE);
    expect(engine.swiotlb().usedSlots).to.equal(0);
  });

  it('swiotlb keeps the low bits of the original under the device min_align_mask', () => {
    const { dev, mem } = setup({ bounce: true });
    dev.minAlignMask = 4095;
    const pfn = mem.allocPages(0);
    const a = dmaMapPage(dev, pfn, 0x840, 512, DMA_TO_DEVICE);
    expect(a % 4096).to.equal(0x840);
  });

  it('coherent allocations and DMA pools are zeroed, mapped and freed', () => {
    const { dev, mem } = setup({ iommu: 'strict', debug: true });
    const c = dmaAllocCoherent(dev, 6000);
    expect(c).to.not.equal(undefined);
    if (c === undefined) return;
    expect(c.order).to.equal(1);
    expect(dev.port.dmaWrite(c.dmaHandle + 5000, new Uint8Array([1]), 0, 1)).to.equal(MEMTX_OK);
    expect(mem.bytes(c.paddr + 5000, 1)[0]).to.equal(1);
    dmaFreeCoherent(dev, 6000, c);
    const pool = new DmaPool('prp list 256', dev, 256);
    const blocks = Array.from({ length: 20 }, () => pool.alloc());
    expect(new Set(blocks.map((b) => pool.paddr(b))).size).to.equal(20);
    for (const b of blocks) pool.release(b);
    pool.destroy();
    dev.debug?.checkLeaks();
    expect(dev.debug?.errors).to.deep.equal([]);
  });
});

describe('NVMe controller behind an IOMMU', () => {
  it('AS-D2: a Read into a DMA_TO_DEVICE mapping is a write fault; P unchanged, status 0/04h', () => {
    const h = new RawNvmeHost({ dma: { iommu: 'strict' } });
    // Queues are coherent (bidirectional) mappings of the controller's domain.
    const coh = (pages: number) => {
      const c = dmaAllocCoherent(h.link.dma, pages * 4096);
      if (c === undefined) throw new Error('no memory');
      return c;
    };
    const asq = coh(1);
    const acq = coh(1);
    h.link.writel((31 << 16) | 31, 0x24);
    h.link.loHiWriteq(asq.dmaHandle, 0x28);
    h.link.loHiWriteq(acq.dmaHandle, 0x30);
    h.link.writel(1 | (6 << 16) | (4 << 20), 0x14);
    h.queues.set(0, {
      qid: 0,
      sqBase: asq.paddr,
      cqBase: acq.paddr,
      sqSize: 32,
      cqSize: 32,
      sqTail: 0,
      cqHead: 0,
      phase: 1,
    });
    const cq = coh(4);
    const sq = coh(16);
    expect(
      h.cmd(0, { opcode: 0x05, prp1: cq.dmaHandle, cdw10: (255 << 16) | 1, cdw11: (1 << 16) | 3 }).status,
    ).to.equal(0);
    expect(
      h.cmd(0, { opcode: 0x01, prp1: sq.dmaHandle, cdw10: (255 << 16) | 1, cdw11: (1 << 16) | 1 }).status,
    ).to.equal(0);
    h.queues.set(1, {
      qid: 1,
      sqBase: sq.paddr,
      cqBase: cq.paddr,
      sqSize: 256,
      cqSize: 256,
      sqTail: 0,
      cqHead: 0,
      phase: 1,
    });
    const p = h.mem.allocPages(0);
    h.mem.fill(p * 4096, 4096, 0xaa);
    const iova = dmaMapPage(h.link.dma, p, 0, 4096, DMA_TO_DEVICE);
    h.ns.media.write(0, new Uint8Array(4096).fill(0x11), 0, 4096);
    expect(h.cmd(1, { opcode: 0x02, slba: 0, nlb: 7, prp1: iova }).status).to.equal(NVME_SC_DATA_XFER_ERROR);
    expect(h.mem.bytes(p * 4096, 4096).every((b) => b === 0xaa)).to.equal(true);
    expect(h.engine.faults.at(-1)).to.include({ reason: 'permission', write: true, device: 'nvme0' });
    // AS-D3: an IOVA never mapped as data buffer → 0/04h; unmapping the SQ → CFS at the next fetch.
    expect(h.cmd(1, { opcode: 0x02, slba: 0, nlb: 7, prp1: 0x7000_0000 }).status).to.equal(NVME_SC_DATA_XFER_ERROR);
    h.link.dma.iommu?.unmap(Math.floor(sq.dmaHandle / 4096), 16);
    h.submit(1, { opcode: 0x02, slba: 0, nlb: 7, prp1: iova });
    h.sched.runSync();
    expect(h.csts() & NVME_CSTS_CFS).to.equal(NVME_CSTS_CFS);
    expect(h.engine.faults.at(-1)).to.include({ reason: 'unmapped', write: false });
  });

  it('AS-D8 (device view): DMA into a page nobody holds is reported by the checker', () => {
    const h = new RawNvmeHost();
    h.enable();
    h.createIoQueues(1);
    const p = h.mem.allocPages(0);
    h.mem.freePages(p, 0);
    expect(h.cmd(1, { opcode: 0x02, slba: 0, nlb: 0, prp1: p * 4096 }).status).to.equal(0);
    expect(h.mem.dmaFindings).to.deep.equal([{ pfn: p, write: true, who: 'nvme0' }]);
  });
});
