/**
 * The host's DMA mapping API (kernel/dma/mapping.c, dma-direct, dma-iommu, swiotlb), over {@link DmaDevice}.
 * @packageDocumentation
 */
import {
  DMA_BIDIRECTIONAL,
  DMA_FROM_DEVICE,
  DMA_MAPPING_ERROR,
  DMA_TO_DEVICE,
  type DmaDataDirection,
} from './dma-direction.js';
import type { DmaDevice } from './dma-device.js';
import { IOMMU_READ, IOMMU_WRITE } from './iommu.js';
import type { Scatterlist } from './scatterlist.js';

const PAGE_SIZE = 4096;

/** Models `dma_info_to_prot()` (drivers/iommu/dma-iommu.c): IOMMU permissions from a DMA direction. */
export function dmaInfoToProt(dir: DmaDataDirection): number {
  switch (dir) {
    case DMA_BIDIRECTIONAL:
      return IOMMU_READ | IOMMU_WRITE;
    case DMA_TO_DEVICE:
      return IOMMU_READ;
    case DMA_FROM_DEVICE:
      return IOMMU_WRITE;
    default:
      return 0;
  }
}

function pagesSpanned(paddr: number, size: number): number {
  return Math.ceil(((paddr % PAGE_SIZE) + size) / PAGE_SIZE);
}

/** Maps a physical range into the device's IOMMU domain; returns the IOVA with the low bits kept, or -1. */
function iommuMapRange(dev: DmaDevice, paddr: number, size: number, dir: DmaDataDirection): number {
  const dom = dev.iommu;
  if (dom === undefined) return paddr;
  const n = pagesSpanned(paddr, size);
  const iova = dom.allocIova(n);
  if (iova < 0) return DMA_MAPPING_ERROR;
  if (dom.map(iova, Math.floor(paddr / PAGE_SIZE), n, dmaInfoToProt(dir)) < 0) {
    dom.freeIova(iova, n);
    return DMA_MAPPING_ERROR;
  }
  return iova * PAGE_SIZE + (paddr % PAGE_SIZE);
}

/**
 * Models `dma_map_page_attrs()` (`dma_map_page`/`dma_map_bvec`): makes `size` bytes at `pfn`+`offset` reachable by
 * the device for `dir`.
 * @returns the DMA address, or {@link DMA_MAPPING_ERROR} (check it with {@link dmaMappingError}): swiotlb full or
 * the mapping too large to bounce, IOVA space exhausted.
 * @remarks Without an IOMMU or swiotlb the DMA address is the physical address (dma-direct): no allocation.
 */
export function dmaMapPage(dev: DmaDevice, pfn: number, offset: number, size: number, dir: DmaDataDirection): number {
  let paddr = pfn * PAGE_SIZE + offset;
  if (dev.bounce) {
    paddr = dev.ctx.swiotlb().mapSingle(dev.name, paddr, size, dir, dev.minAlignMask);
    if (paddr < 0) return DMA_MAPPING_ERROR;
  }
  let addr = paddr;
  if (dev.iommu !== undefined) {
    addr = iommuMapRange(dev, paddr, size, dir);
    if (addr < 0) {
      if (dev.bounce) dev.ctx.swiotlb().unmapSingle(paddr, size, dir, true);
      return DMA_MAPPING_ERROR;
    }
  }
  dev.debug?.add('single', addr, size, dir);
  return addr;
}

/**
 * Models `dma_unmap_page_attrs()`: ends the device's ownership; with swiotlb copies the bounce buffer back
 * (FROM_DEVICE/BIDIRECTIONAL); with an IOMMU removes the translation (strict) or queues it (lazy).
 * @remarks Must get exactly the address, size and direction of the map (dma-debug reports otherwise).
 */
export function dmaUnmapPage(dev: DmaDevice, addr: number, size: number, dir: DmaDataDirection): void {
  dev.debug?.remove('single', addr, size, dir);
  let paddr = addr;
  const dom = dev.iommu;
  if (dom !== undefined) {
    paddr = dom.iovaToPhys(addr);
    dom.unmap(Math.floor(addr / PAGE_SIZE), pagesSpanned(addr, size));
    if (paddr < 0) return;
  }
  if (dev.bounce) dev.ctx.swiotlb().unmapSingle(paddr, size, dir);
}

/** Models `dma_mapping_error()`. */
export function dmaMappingError(_dev: DmaDevice, addr: number): boolean {
  return addr === DMA_MAPPING_ERROR;
}

/**
 * Models `dma_map_sg_attrs()`: maps `nents` entries of `sgl` and fills their DMA side.
 * @returns the number of DMA segments (≤ nents; an IOMMU merges page-contiguous IOVA runs under the device's
 * `max_segment_size` and segment boundary, as `__finalise_sg()` does), or 0 on failure (nothing stays mapped).
 * @remarks `dma_unmap_sg()` must be given the original `nents`, not this count.
 */
export function dmaMapSg(dev: DmaDevice, sgl: Scatterlist, nents: number, dir: DmaDataDirection): number {
  const bounce = dev.bounce;
  const phys = physOf(sgl);
  for (let i = 0; i < nents; i++) {
    let p = (sgl.page[i] as number) * PAGE_SIZE + (sgl.offset[i] as number);
    if (bounce) {
      p = dev.ctx.swiotlb().mapSingle(dev.name, p, sgl.length[i] as number, dir, dev.minAlignMask);
      if (p < 0) {
        for (let k = 0; k < i; k++)
          dev.ctx.swiotlb().unmapSingle(phys[k] as number, sgl.length[k] as number, dir, true);
        return 0;
      }
    }
    phys[i] = p;
  }
  const dom = dev.iommu;
  let count: number;
  if (dom === undefined) {
    for (let i = 0; i < nents; i++) {
      sgl.dmaAddress[i] = phys[i] as number;
      sgl.dmaLength[i] = sgl.length[i] as number;
    }
    count = nents;
  } else {
    let total = 0;
    for (let i = 0; i < nents; i++) total += pagesSpanned(phys[i] as number, sgl.length[i] as number);
    const base = dom.allocIova(total);
    if (base < 0) {
      if (bounce)
        for (let k = 0; k < nents; k++)
          dev.ctx.swiotlb().unmapSingle(phys[k] as number, sgl.length[k] as number, dir, true);
      return 0;
    }
    const prot = dmaInfoToProt(dir);
    let at = base;
    for (let i = 0; i < nents; i++) {
      const p = phys[i] as number;
      const n = pagesSpanned(p, sgl.length[i] as number);
      dom.map(at, Math.floor(p / PAGE_SIZE), n, prot);
      at += n;
    }
    sgl.iovaBase = base;
    sgl.iovaPages = total;
    count = finaliseSg(dev, sgl, nents, base * PAGE_SIZE, phys);
  }
  dev.debug?.addSg(sgl, nents, dir);
  return count;
}

/** Models `__finalise_sg()`: merges IOVA-contiguous entries into DMA segments. */
function finaliseSg(dev: DmaDevice, sgl: Scatterlist, nents: number, iovaStart: number, phys: Float64Array): number {
  const segMask = dev.segBoundaryMask;
  const maxLen = dev.maxSegmentSize;
  let dmaAddr = iovaStart;
  let cur = -1;
  let curLen = 0;
  let count = 0;
  for (let i = 0; i < nents; i++) {
    const sOff = (phys[i] as number) % PAGE_SIZE;
    const sLen = sgl.length[i] as number;
    const sIovaLen = pagesSpanned(phys[i] as number, sLen) * PAGE_SIZE;
    if (curLen > 0 && sOff === 0 && dmaAddr % (segMask + 1) !== 0 && maxLen - curLen >= sLen) {
      curLen += sLen;
    } else {
      cur++;
      curLen = sLen;
      count++;
      sgl.dmaAddress[cur] = dmaAddr + sOff;
    }
    sgl.dmaLength[cur] = curLen;
    dmaAddr += sIovaLen;
    if (sLen + sOff < sIovaLen) curLen = 0;
  }
  for (let i = count; i < nents; i++) {
    sgl.dmaAddress[i] = DMA_MAPPING_ERROR;
    sgl.dmaLength[i] = 0;
  }
  return count;
}

function physOf(sgl: Scatterlist): Float64Array {
  if (sgl.physAddr.length < sgl.capacity) sgl.physAddr = new Float64Array(sgl.capacity);
  return sgl.physAddr;
}

/**
 * Models `dma_unmap_sg_attrs()`: unmaps what {@link dmaMapSg} mapped; `nents` is the count given to map.
 */
export function dmaUnmapSg(dev: DmaDevice, sgl: Scatterlist, nents: number, dir: DmaDataDirection): void {
  dev.debug?.removeSg(sgl, nents, dir);
  const dom = dev.iommu;
  if (dom !== undefined && sgl.iovaPages > 0) {
    dom.unmap(sgl.iovaBase, sgl.iovaPages);
    sgl.iovaPages = 0;
  }
  if (dev.bounce) {
    const n = Math.min(nents, sgl.nents);
    for (let i = 0; i < n; i++) dev.ctx.swiotlb().unmapSingle(sgl.physAddr[i] as number, sgl.length[i] as number, dir);
  }
}

/** Models `dma_sync_single_for_cpu()`: with swiotlb, copies bounce → original for FROM_DEVICE/BIDIRECTIONAL. */
export function dmaSyncSingleForCpu(dev: DmaDevice, addr: number, size: number, dir: DmaDataDirection): void {
  if (!dev.bounce) return;
  const p = dev.iommu === undefined ? addr : dev.iommu.iovaToPhys(addr);
  if (p >= 0) dev.ctx.swiotlb().syncForCpu(p, size, dir);
}

/** Models `dma_sync_single_for_device()`: with swiotlb, copies original → bounce for TO_DEVICE/BIDIRECTIONAL. */
export function dmaSyncSingleForDevice(dev: DmaDevice, addr: number, size: number, dir: DmaDataDirection): void {
  if (!dev.bounce) return;
  const p = dev.iommu === undefined ? addr : dev.iommu.iovaToPhys(addr);
  if (p >= 0) dev.ctx.swiotlb().syncForDevice(p, size, dir);
}

/** A coherent allocation: CPU physical address and the device's DMA handle. */
export interface DmaCoherent {
  /** Physical address of the first byte (the CPU side: accessed with PhysMem). */
  readonly paddr: number;
  /** The DMA handle the device uses. */
  readonly dmaHandle: number;
  /** Bytes requested. */
  readonly size: number;
  /** Page order allocated. */
  readonly order: number;
}

/**
 * Models `dma_alloc_coherent()`: zeroed, physically contiguous pages the CPU and device share without syncs
 * (queues, PRP pools, virtio rings); never bounced.
 * @returns the allocation, or undefined when mm or the IOVA space is exhausted (the kernel returns NULL).
 */
export function dmaAllocCoherent(dev: DmaDevice, size: number): DmaCoherent | undefined {
  const pages = Math.max(1, Math.ceil(size / PAGE_SIZE));
  let order = 0;
  while (1 << order < pages) order++;
  const pfn = dev.ctx.mem.allocPages(order);
  if (pfn < 0) return undefined;
  const paddr = pfn * PAGE_SIZE;
  const zero = new Uint8Array(Math.min(size, 65536));
  for (let done = 0; done < size; done += zero.length)
    dev.ctx.mem.write(paddr + done, zero, 0, Math.min(zero.length, size - done));
  let handle = paddr;
  if (dev.iommu !== undefined) {
    handle = iommuMapRange(dev, paddr, pages * PAGE_SIZE, DMA_BIDIRECTIONAL);
    if (handle < 0) {
      dev.ctx.mem.freePages(pfn, order);
      return undefined;
    }
  }
  dev.debug?.add('coherent', handle, size, DMA_BIDIRECTIONAL);
  return { paddr, dmaHandle: handle, size, order };
}

/** Models `dma_free_coherent()`. */
export function dmaFreeCoherent(dev: DmaDevice, size: number, c: DmaCoherent): void {
  dev.debug?.remove('coherent', c.dmaHandle, size, DMA_BIDIRECTIONAL);
  if (dev.iommu !== undefined) dev.iommu.unmap(Math.floor(c.dmaHandle / PAGE_SIZE), 1 << c.order);
  dev.ctx.mem.freePages(c.paddr / PAGE_SIZE, c.order);
}

/** Models `dma_max_mapping_size()`: 256 KiB when swiotlb bounces the device, else unlimited. */
export function dmaMaxMappingSize(dev: DmaDevice): number {
  return dev.bounce ? dev.ctx.swiotlb().maxMappingSize() : Number.MAX_SAFE_INTEGER;
}

/** Models `dma_set_max_seg_size()`. */
export function dmaSetMaxSegSize(dev: DmaDevice, size: number): void {
  dev.maxSegmentSize = size;
}

/** Models `dma_set_seg_boundary()`. */
export function dmaSetSegBoundary(dev: DmaDevice, mask: number): void {
  dev.segBoundaryMask = mask;
}

/** Models `dma_set_min_align_mask()`. */
export function dmaSetMinAlignMask(dev: DmaDevice, mask: number): void {
  dev.minAlignMask = mask;
}
