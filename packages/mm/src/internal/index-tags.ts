/**
 * A set of page indexes kept as a sparse bitmap: the model of one xarray mark (`XA_MARK_0`…) of `i_pages`.
 * @internal
 * @packageDocumentation
 */

const CHUNK_SHIFT = 15;
const CHUNK_BITS = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_BITS - 1;
const WORDS = CHUNK_BITS >>> 5;

/**
 * Page indexes carrying one page-cache tag (`PAGECACHE_TAG_DIRTY`, `PAGECACHE_TAG_WRITEBACK`): bitmaps of 32 768
 * indexes allocated when first used, so membership is O(1) and the next tagged index from a position is a word scan,
 * in ascending order like `xa_find()` — what writeback needs to take `nr_to_write` folios from `writeback_index`
 * without listing and sorting every dirty folio of the file.
 */
export class IndexTags implements Iterable<number> {
  private readonly chunks = new Map<number, Uint32Array>();
  private readonly counts = new Map<number, number>();
  /** Chunk numbers in use, ascending. */
  private order: number[] = [];
  private n = 0;

  /** Tagged indexes. */
  get size(): number {
    return this.n;
  }

  has(i: number): boolean {
    const c = this.chunks.get(Math.floor(i / CHUNK_BITS));
    if (c === undefined) return false;
    const b = i & CHUNK_MASK;
    return ((c[b >>> 5] as number) & (1 << (b & 31))) !== 0;
  }

  /** Tags `i`. @returns this */
  add(i: number): this {
    const k = Math.floor(i / CHUNK_BITS);
    let c = this.chunks.get(k);
    if (c === undefined) {
      c = new Uint32Array(WORDS);
      this.chunks.set(k, c);
      this.counts.set(k, 0);
      this.insertOrder(k);
    }
    const b = i & CHUNK_MASK;
    const w = c[b >>> 5] as number;
    const bit = 1 << (b & 31);
    if ((w & bit) === 0) {
      c[b >>> 5] = w | bit;
      this.counts.set(k, (this.counts.get(k) as number) + 1);
      this.n++;
    }
    return this;
  }

  /** Clears the tag of `i`. @returns whether it was tagged */
  delete(i: number): boolean {
    const k = Math.floor(i / CHUNK_BITS);
    const c = this.chunks.get(k);
    if (c === undefined) return false;
    const b = i & CHUNK_MASK;
    const w = c[b >>> 5] as number;
    const bit = 1 << (b & 31);
    if ((w & bit) === 0) return false;
    c[b >>> 5] = w & ~bit;
    this.n--;
    const left = (this.counts.get(k) as number) - 1;
    if (left === 0) {
      this.chunks.delete(k);
      this.counts.delete(k);
      this.order = this.order.filter((x) => x !== k);
    } else this.counts.set(k, left);
    return true;
  }

  clear(): void {
    this.chunks.clear();
    this.counts.clear();
    this.order = [];
    this.n = 0;
  }

  /** Models `xa_find()` of a mark: the smallest tagged index ≥ `from`, or -1. */
  next(from: number): number {
    if (this.n === 0) return -1;
    const start = Math.max(0, from);
    const k0 = Math.floor(start / CHUNK_BITS);
    for (const k of this.order) {
      if (k < k0) continue;
      const c = this.chunks.get(k) as Uint32Array;
      const b = k === k0 ? start & CHUNK_MASK : 0;
      let wi = b >>> 5;
      let w = (c[wi] as number) & (~0 << (b & 31));
      for (;;) {
        if (w !== 0) return k * CHUNK_BITS + (wi << 5) + (31 - Math.clz32(w & -w));
        if (++wi === WORDS) break;
        w = c[wi] as number;
      }
    }
    return -1;
  }

  /** Whether an index of [first, last] is tagged. */
  anyInRange(first: number, last: number): boolean {
    if (last < first) return false;
    const i = this.next(first);
    return i >= 0 && i <= last;
  }

  *[Symbol.iterator](): Iterator<number> {
    for (let i = this.next(0); i >= 0; i = this.next(i + 1)) yield i;
  }

  private insertOrder(k: number): void {
    const o = this.order;
    let lo = 0;
    let hi = o.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((o[mid] as number) < k) lo = mid + 1;
      else hi = mid;
    }
    o.splice(lo, 0, k);
  }
}
