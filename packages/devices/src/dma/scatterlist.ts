/**
 * Scatter-gather tables, struct-of-arrays so a driver preallocates one per request.
 * @packageDocumentation
 */

/**
 * Models a `struct scatterlist` array (include/linux/scatterlist.h): CPU-side entries (page, offset, length) and
 * the DMA side (`sg_dma_address`, `sg_dma_len`) that `dma_map_sg()` fills.
 * @remarks Entries are parallel typed arrays; `nents` counts the valid CPU entries. Capacity grows on demand.
 */
export class Scatterlist {
  /** `sg_page()` as a pfn. */
  page: Float64Array;
  /** `sg->offset`. */
  offset: Uint32Array;
  /** `sg->length`. */
  length: Uint32Array;
  /** `sg_dma_address()`. */
  dmaAddress: Float64Array;
  /** `sg_dma_len()`. */
  dmaLength: Uint32Array;
  /** Valid CPU entries. */
  nents = 0;
  /** @internal Physical address each entry was mapped from (the bounce address when swiotlb bounced it). */
  physAddr: Float64Array = new Float64Array(0);
  /** @internal First IOVA pfn of the range an IOMMU mapping of this list occupies. */
  iovaBase = 0;
  /** @internal Pages of that IOVA range (0 when not IOMMU-mapped). */
  iovaPages = 0;

  /** @param capacity - entries preallocated (models `sg_init_table(sgl, n)`). */
  constructor(capacity = 4) {
    const n = Math.max(1, capacity);
    this.page = new Float64Array(n);
    this.offset = new Uint32Array(n);
    this.length = new Uint32Array(n);
    this.dmaAddress = new Float64Array(n);
    this.dmaLength = new Uint32Array(n);
  }

  /** Entries that fit without growing. */
  get capacity(): number {
    return this.page.length;
  }

  /** Models `sg_init_table()`: forgets every entry. */
  reset(): void {
    this.nents = 0;
  }

  /**
   * Models `sg_set_page()` on the next entry.
   * @returns the entry's index.
   */
  push(pfn: number, offset: number, length: number): number {
    const i = this.nents;
    if (i >= this.page.length) this.grow(i + 1);
    this.page[i] = pfn;
    this.offset[i] = offset;
    this.length[i] = length;
    this.nents = i + 1;
    return i;
  }

  /** Makes room for at least `n` entries, keeping the existing ones. */
  grow(n: number): void {
    if (n <= this.page.length) return;
    let cap = this.page.length;
    while (cap < n) cap *= 2;
    const p = new Float64Array(cap);
    p.set(this.page);
    const o = new Uint32Array(cap);
    o.set(this.offset);
    const l = new Uint32Array(cap);
    l.set(this.length);
    const da = new Float64Array(cap);
    da.set(this.dmaAddress);
    const dl = new Uint32Array(cap);
    dl.set(this.dmaLength);
    this.page = p;
    this.offset = o;
    this.length = l;
    this.dmaAddress = da;
    this.dmaLength = dl;
  }

  /** Sum of CPU entry lengths. */
  totalLength(): number {
    let t = 0;
    for (let i = 0; i < this.nents; i++) t += this.length[i] as number;
    return t;
  }
}
