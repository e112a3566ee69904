/**
 * Pools of small coherent DMA blocks (PRP lists, SGL segments, virtio headers).
 * @packageDocumentation
 */
import { dmaAllocCoherent, dmaFreeCoherent, type DmaCoherent } from './mapping.js';
import type { DmaDevice } from './dma-device.js';

const PAGE_SIZE = 4096;

/**
 * Models `struct dma_pool` (mm/dmapool.c): `dma_pool_create()`, `dma_pool_alloc()`, `dma_pool_free()`,
 * `dma_pool_destroy()`.
 * @remarks A block is named by a number (its index), so allocating one allocates no object: read its CPU address
 * with {@link DmaPool.paddr} and its DMA handle with {@link DmaPool.dma}. Blocks never cross a page.
 */
export class DmaPool {
  private readonly pages: DmaCoherent[] = [];
  private free: Int32Array = new Int32Array(16);
  private nfree = 0;
  private readonly perPage: number;
  /** Blocks handed out and not yet freed. */
  inUse = 0;

  /**
   * Models `dma_pool_create()`.
   * @param name - pool name (`prp list page`, `prp list 256`)
   * @param dev - the device the blocks are for
   * @param size - block size in bytes (≤ 4096)
   */
  constructor(
    readonly name: string,
    readonly dev: DmaDevice,
    readonly size: number,
  ) {
    let s = 1;
    while (s < size) s *= 2;
    this.perPage = Math.floor(PAGE_SIZE / s);
    this.stride = s;
  }

  private readonly stride: number;

  /**
   * Models `dma_pool_alloc()`.
   * @returns a block handle (≥ 0), or -1 when no memory is left.
   */
  alloc(): number {
    if (this.nfree === 0) {
      const c = dmaAllocCoherent(this.dev, PAGE_SIZE);
      if (c === undefined) return -1;
      const base = this.pages.length * this.perPage;
      this.pages.push(c);
      if (this.free.length < this.perPage * this.pages.length) {
        const f = new Int32Array(this.free.length * 2 + this.perPage);
        f.set(this.free.subarray(0, this.nfree));
        this.free = f;
      }
      for (let i = this.perPage - 1; i >= 0; i--) this.free[this.nfree++] = base + i;
    }
    this.inUse++;
    return this.free[--this.nfree] as number;
  }

  /** Models `dma_pool_free()`. */
  release(block: number): void {
    this.inUse--;
    this.free[this.nfree++] = block;
  }

  /** CPU physical address of a block. */
  paddr(block: number): number {
    const p = this.pages[Math.floor(block / this.perPage)] as DmaCoherent;
    return p.paddr + (block % this.perPage) * this.stride;
  }

  /** DMA handle of a block. */
  dma(block: number): number {
    const p = this.pages[Math.floor(block / this.perPage)] as DmaCoherent;
    return p.dmaHandle + (block % this.perPage) * this.stride;
  }

  /** Models `dma_pool_destroy()`: frees every page. */
  destroy(): void {
    for (const p of this.pages) dmaFreeCoherent(this.dev, PAGE_SIZE, p);
    this.pages.length = 0;
    this.nfree = 0;
    this.inUse = 0;
  }
}
