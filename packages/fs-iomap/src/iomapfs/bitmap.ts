/**
 * An on-disk allocation bitmap held in memory (the bitmap helpers of `lib/bitmap.c` and
 * `ext2_find_next_zero_bit()`), whose bytes are the data of the buffers that write it back.
 * @packageDocumentation
 */
import type { BufferHead, IomapfsBufferCache } from './buffer.js';

/**
 * A bitmap of `nbits` bits spread over consecutive metadata blocks.
 * @remarks `bits` is one array; each bitmap block's {@link BufferHead} shares its bytes, so marking a bit and
 * dirtying its buffer is all a change costs.
 */
export class IomapfsBitmap {
  /**
   * @param bits - the whole bitmap (its length is a multiple of the block size)
   * @param nbits - bits in use (bits past it are never handed out)
   * @param buffers - the buffers sharing `bits`, one per bitmap block
   * @param cache - the buffer cache that writes them back
   */
  constructor(
    readonly bits: Uint8Array,
    readonly nbits: number,
    private readonly buffers: readonly BufferHead[],
    private readonly cache: IomapfsBufferCache,
  ) {}

  /** @returns true if bit `i` is set. */
  test(i: number): boolean {
    return ((this.bits[i >>> 3] as number) & (1 << (i & 7))) !== 0;
  }

  /** Sets bit `i` and dirties its buffer. */
  set(i: number): void {
    const byte = i >>> 3;
    this.bits[byte] = (this.bits[byte] as number) | (1 << (i & 7));
    this.dirty(byte);
  }

  /** Clears bit `i` and dirties its buffer. */
  clear(i: number): void {
    const byte = i >>> 3;
    this.bits[byte] = (this.bits[byte] as number) & ~(1 << (i & 7));
    this.dirty(byte);
  }

  /** Sets bits `[start, start + n)`. */
  setRange(start: number, n: number): void {
    for (let i = start; i < start + n; i++) this.set(i);
  }

  /** Clears bits `[start, start + n)`. */
  clearRange(start: number, n: number): void {
    for (let i = start; i < start + n; i++) this.clear(i);
  }

  private dirty(byte: number): void {
    const bh = this.buffers[Math.floor(byte / this.cache.dev.blockSize)];
    if (bh !== undefined && !bh.dirty) this.cache.markBufferDirty(bh);
  }

  /**
   * Models `find_next_zero_bit()` (lib/find_bit.c) over `[from, to)`.
   * @returns the first clear bit, or -1
   */
  findNextZero(from: number, to: number): number {
    let i = from;
    const end = Math.min(to, this.nbits);
    while (i < end) {
      if ((i & 7) === 0 && this.bits[i >>> 3] === 0xff) {
        i += 8;
        continue;
      }
      if (!this.test(i)) return i;
      i++;
    }
    return -1;
  }

  /**
   * Length of the run of clear bits starting at `start`, at most `max`.
   * @returns 0 … max
   */
  zeroRun(start: number, max: number): number {
    let n = 0;
    while (n < max && start + n < this.nbits && !this.test(start + n)) n++;
    return n;
  }

  /** @returns the number of set bits in `[0, nbits)`. */
  weight(): number {
    let n = 0;
    for (let i = 0; i < this.nbits; i++) if (this.test(i)) n++;
    return n;
  }
}
