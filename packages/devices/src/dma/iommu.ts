/**
 * An IOMMU translation domain: IOVA allocation, page-granular mappings with permissions, strict or lazy
 * (flush-queue) invalidation, and translation faults.
 * @packageDocumentation
 */
import type { Scheduler, TimerHandle } from '@stackemu/core';

/** Models `IOMMU_READ` (include/linux/iommu.h): the device may read through the mapping. */
export const IOMMU_READ = 1 << 0;
/** Models `IOMMU_WRITE`: the device may write through the mapping. */
export const IOMMU_WRITE = 1 << 1;

/** Models `IOVA_FQ_SIZE` (drivers/iommu/dma-iommu.c): entries a flush queue holds before a forced flush. */
export const IOVA_FQ_SIZE = 256;
/** Models `IOVA_FQ_TIMEOUT` (10 ms) in virtual ns: the longest an unmapped IOVA stays reachable in lazy mode. */
export const IOVA_FQ_TIMEOUT_NS = 10_000_000;

/** What a translation fault record says (the emulator's VT-d DMAR fault log). */
export interface IommuFault {
  /** The device that made the access. */
  readonly device: string;
  /** The IOVA accessed. */
  readonly iova: number;
  /** True for a device write (DMA into memory). */
  readonly write: boolean;
  /** `unmapped`: no translation; `permission`: mapping lacks the needed IOMMU_READ/IOMMU_WRITE. */
  readonly reason: 'unmapped' | 'permission';
  /** Virtual time of the fault (ns). */
  readonly time: number;
}

/** Options of an {@link IommuDomain}. */
export interface IommuDomainOptions {
  /** Strict: the IOTLB is flushed at every unmap. Lazy: unmapped IOVAs stay reachable until the flush queue drains. */
  readonly strict: boolean;
  /** Virtual time, for the lazy flush-queue timer. */
  readonly scheduler: Scheduler;
  /** Highest IOVA + 1 the allocator hands out (the device's DMA limit); default 4 GiB (PCI SAC first). */
  readonly limit?: number;
}

const PAGE_SHIFT = 12;
const PAGE_SIZE = 1 << PAGE_SHIFT;

/**
 * Models an `iommu_domain` of type `IOMMU_DOMAIN_DMA` (strict) or `IOMMU_DOMAIN_DMA_FQ` (lazy) together with its
 * `iova_domain` (drivers/iommu/iova.c) and the DMA layer's flush queue (drivers/iommu/dma-iommu.c).
 *
 * @remarks The IOVA allocator is deterministic: power-of-two sizes, size-aligned, top-down from `limit`, with
 * per-size caches of freed ranges (like the kernel's IOVA range caches), so an IOVA still mapped (or waiting in a
 * flush queue) is never handed out again.
 */
export class IommuDomain {
  /** Strict (flush at unmap) or lazy (flush queue). */
  readonly strict: boolean;
  private readonly pt = new Map<number, number>();
  private readonly stale = new Map<number, number>();
  private readonly caches = new Map<number, number[]>();
  private next: number;
  private readonly limitPfn: number;
  private fq: number[] = [];
  private fqTimer: TimerHandle | undefined;
  private readonly scheduler: Scheduler;
  /** Mapped pages (for tests and leak checks). */
  get mappedPages(): number {
    return this.pt.size;
  }

  constructor(opts: IommuDomainOptions) {
    this.strict = opts.strict;
    this.scheduler = opts.scheduler;
    this.limitPfn = Math.floor((opts.limit ?? 2 ** 32) / PAGE_SIZE);
    this.next = this.limitPfn;
  }

  /**
   * Models `alloc_iova_fast()`: `npages` of IOVA space, size-aligned after rounding up to a power of two.
   * @returns the first IOVA pfn, or -1 when the space is exhausted.
   */
  allocIova(npages: number): number {
    let size = 1;
    while (size < npages) size *= 2;
    const cached = this.caches.get(size);
    if (cached !== undefined && cached.length > 0) return cached.pop() as number;
    const start = Math.floor((this.next - size) / size) * size;
    if (start < 1) return -1;
    this.next = start;
    return start;
  }

  /** Models `free_iova_fast()`: returns an IOVA range to its size cache. */
  freeIova(iovaPfn: number, npages: number): void {
    let size = 1;
    while (size < npages) size *= 2;
    let c = this.caches.get(size);
    if (c === undefined) {
      c = [];
      this.caches.set(size, c);
    }
    c.push(iovaPfn);
  }

  /**
   * Models `iommu_map()`: maps `npages` pages from IOVA pfn `iovaPfn` to pfn `pfn` with `prot`.
   * @returns 0, or -EEXIST (17) if a page is already mapped (nothing is changed then).
   */
  map(iovaPfn: number, pfn: number, npages: number, prot: number): number {
    for (let i = 0; i < npages; i++) if (this.pt.has(iovaPfn + i)) return -17;
    for (let i = 0; i < npages; i++) {
      this.stale.delete(iovaPfn + i);
      this.pt.set(iovaPfn + i, (pfn + i) * 4 + prot);
    }
    return 0;
  }

  /**
   * Models the DMA layer's unmap (`__iommu_dma_unmap()`): strict mode removes the translations and frees the IOVA
   * at once; lazy mode removes them from the page table but keeps them reachable through the IOTLB until the flush
   * queue is flushed ({@link IOVA_FQ_SIZE} entries or {@link IOVA_FQ_TIMEOUT_NS}), and only then frees the IOVA.
   * @returns pages unmapped.
   */
  unmap(iovaPfn: number, npages: number): number {
    let n = 0;
    for (let i = 0; i < npages; i++) {
      const e = this.pt.get(iovaPfn + i);
      if (e === undefined) continue;
      this.pt.delete(iovaPfn + i);
      if (!this.strict) this.stale.set(iovaPfn + i, e);
      n++;
    }
    if (this.strict) {
      this.freeIova(iovaPfn, npages);
    } else {
      this.fq.push(iovaPfn, npages);
      if (this.fq.length >= 2 * IOVA_FQ_SIZE) this.flushIotlbAll();
      else
        this.fqTimer ??= this.scheduler.schedule(IOVA_FQ_TIMEOUT_NS, () => {
          this.fqTimer = undefined;
          this.flushIotlbAll();
        });
    }
    return n;
  }

  /** Models `iommu_flush_iotlb_all()` plus the flush-queue drain: stale translations vanish, IOVAs are freed. */
  flushIotlbAll(): void {
    const fq = this.fq;
    this.fq = [];
    for (let i = 0; i < fq.length; i += 2) {
      const iova = fq[i] as number;
      const n = fq[i + 1] as number;
      for (let k = 0; k < n; k++) this.stale.delete(iova + k);
      this.freeIova(iova, n);
    }
    if (this.fqTimer !== undefined) {
      this.scheduler.cancel(this.fqTimer);
      this.fqTimer = undefined;
    }
  }

  /**
   * Models a device access through the IOMMU (`iommu_iova_to_phys()` plus the permission check the hardware makes).
   * @returns the physical address, or -1 (unmapped) / -2 (permission) for a fault.
   */
  translate(iova: number, write: boolean): number {
    const ipfn = Math.floor(iova / PAGE_SIZE);
    let e = this.pt.get(ipfn);
    if (e === undefined) e = this.stale.get(ipfn);
    if (e === undefined) return -1;
    const prot = e & 3;
    if ((prot & (write ? IOMMU_WRITE : IOMMU_READ)) === 0) return -2;
    return ((e - prot) / 4) * PAGE_SIZE + (iova % PAGE_SIZE);
  }

  /** Models `iommu_iova_to_phys()` on the page table only (host view; stale IOTLB entries are not seen). */
  iovaToPhys(iova: number): number {
    const e = this.pt.get(Math.floor(iova / PAGE_SIZE));
    if (e === undefined) return -1;
    return ((e - (e & 3)) / 4) * PAGE_SIZE + (iova % PAGE_SIZE);
  }
}
